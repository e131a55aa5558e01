import type { Backend } from '@gated/core';
import { CpuBackend, KERNEL_SET_NAMES, availableKernelSets, type KernelSetName } from '@gated/backend-cpu';
import type { CellSpec } from './cells';
import type { Pass } from './flops';
import type { Measurement, RepetitionPlan, RunListener } from './measure';
import type { Workload } from './workloads';
import { measureOnnxruntime, type OnnxruntimeModule } from './onnxruntime';

/** A backend the benchmark can run on, or one it looked for and could not use (with the reason). */
export interface BackendEntry {
  /** Name on the command line and in results, e.g. `cpu` or `gpujs:headlessgl`. */
  readonly id: string;
  /** Whether it can run here. */
  readonly available: boolean;
  /** Why it cannot run (absent package, no GPU context, ...) or a note about how it runs. */
  readonly note?: string;
  /**
   * Whether a `--quick` run includes it when `--backends` is not given. False for gpu.js's CPU
   * emulation modes (`cpu`, `webasm`), which can take minutes on the larger workloads.
   */
  readonly quick: boolean;
  /**
   * The workloads a `--quick` run measures it on when `--workloads` is not given; all of them when
   * absent. gpu.js's GL modes take `small` only: without a GPU (Xvfb + llvmpipe, as in CI) their
   * larger workloads take minutes.
   */
  readonly quickWorkloads?: readonly string[];
  /** Creates a fresh backend instance; only for available entries. */
  create(): Backend | Promise<Backend>;
  /** The passes it can run (`onnxruntime`: forward only); every pass when absent. */
  readonly passes?: readonly Pass[];
  /** Measures the cells itself instead of through a Gated backend from {@link BackendEntry.create} (`onnxruntime`). */
  measure?(cells: readonly CellSpec[], workload: Workload, plan: RepetitionPlan, onRun: RunListener): Promise<Measurement[]>;
}

function unavailable(id: string, note: string): BackendEntry {
  return {
    id,
    available: false,
    note,
    quick: true,
    create: () => {
      throw new Error(`backend ${id} is unavailable: ${note}`);
    },
  };
}

/** The gpu.js modes the bench reports when the package cannot even be imported. */
const GPUJS_MODES_FALLBACK = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'] as const;

/** What the benchmark uses of `@gated/backend-gpujs`, found by a dynamic import. */
interface GpujsModule {
  readonly GPUJS_MODES?: readonly string[];
  probeMode?(mode: string): { readonly available: boolean; readonly reason?: string };
  /** The backend class; its static `create({ mode })` builds an instance in exactly that mode. */
  readonly GpujsBackend?: { create(options: { mode: string }): Backend };
  isTextureMode?(mode: string): boolean;
}

/** gpu.js modes that run on a GPU (WebGL textures); the others emulate the GPU on the CPU. */
const GPU_MODES = ['headlessgl', 'webgl2', 'webgl', 'webgpu'];

/**
 * The gpu.js backend's modes. The package is an optional dependency, imported dynamically; every
 * failure (package absent or not built, mode without a context, backend class missing) becomes an
 * unavailable entry with the package's own reason, never a crash.
 */
async function gpujsEntries(importer: () => Promise<unknown>): Promise<BackendEntry[]> {
  let mod: GpujsModule;
  try {
    mod = (await importer()) as GpujsModule;
  } catch (error) {
    return GPUJS_MODES_FALLBACK.map((mode) => unavailable(`gpujs:${mode}`, `@gated/backend-gpujs could not be imported (${firstLine(error)})`));
  }
  const modes = mod.GPUJS_MODES ?? GPUJS_MODES_FALLBACK;
  return modes.map((mode) => {
    const id = `gpujs:${mode}`;
    const Backend = mod.GpujsBackend;
    if (typeof Backend?.create !== 'function') return unavailable(id, '@gated/backend-gpujs has no GpujsBackend.create');
    if (typeof mod.probeMode !== 'function') return unavailable(id, '@gated/backend-gpujs has no probeMode export');
    let probe: { available: boolean; reason?: string };
    try {
      probe = mod.probeMode(mode);
    } catch (error) {
      probe = { available: false, reason: firstLine(error) };
    }
    if (!probe.available) return unavailable(id, probe.reason ?? 'not available here');
    const onGpu = typeof mod.isTextureMode === 'function' ? mod.isTextureMode(mode) || mode === 'webgpu' : GPU_MODES.includes(mode);
    return { id, available: true, quick: onGpu, ...(onGpu ? { quickWorkloads: GPU_QUICK_WORKLOADS } : {}), create: () => Backend.create({ mode }) };
  });
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0];
}

/**
 * One `cpu:<kernel set>` entry per kernel set of `@gated/backend-cpu`, each with a note naming its
 * kernel set and thread count. `--quick` runs `cpu:js` (the reference) and the set `auto` picks.
 *
 * @param available - the sets this engine runs (replaced in tests).
 * @param threads - the threads the wasm sets run on (the `js` set always runs on one); each backend
 * starts its worker threads before it is measured.
 */
export function cpuEntries(available: readonly KernelSetName[] = availableKernelSets(), threads = 1): BackendEntry[] {
  const best = available[available.length - 1];
  return KERNEL_SET_NAMES.map((kernels): BackendEntry => {
    const id = `cpu:${kernels}`;
    if (!available.includes(kernels)) {
      return unavailable(
        id,
        kernels === 'wasm-relaxed'
          ? 'this engine rejects relaxed SIMD (Node 20: run with --experimental-wasm-relaxed-simd, as scripts/bench.sh does)'
          : 'this engine rejects WebAssembly SIMD',
      );
    }
    const n = kernels === 'js' ? 1 : threads;
    const note = `kernels ${kernels}, ${n} thread${n === 1 ? '' : 's'}${kernels === best ? ' (what auto picks)' : ''}`;
    const create = async () => {
      const backend = new CpuBackend({ kernels, threads: n });
      await backend.startThreads();
      return backend;
    };
    return { id, available: true, quick: kernels === 'js' || kernels === best, note, create };
  });
}

/**
 * The thread count `--threads` stands for: the number given, or for `auto` the threads a backend
 * with `threads: 'auto'` starts here (1 where none can start).
 */
export async function resolveThreads(threads: number | 'auto'): Promise<number> {
  if (threads !== 'auto') return threads;
  const sets = availableKernelSets();
  const best = sets[sets.length - 1];
  if (best === 'js') return 1;
  const probe = new CpuBackend({ kernels: best, threads: 'auto' });
  try {
    return await probe.startThreads();
  } finally {
    probe.stopThreads();
  }
}

/**
 * The backend registry: every CPU kernel set, then every gpu.js mode, available or not, then onnxruntime.
 *
 * @param importGpujs - how to load `@gated/backend-gpujs` (replaced in tests).
 * @param threads - what `--threads` gave (default `auto`).
 */
export async function discoverBackends(
  importGpujs: () => Promise<unknown> = () => import('@gated/backend-gpujs'),
  importOnnxruntime: () => Promise<unknown> = () => import('onnxruntime-node'),
  threads: number | 'auto' = 'auto',
): Promise<BackendEntry[]> {
  const count = await resolveThreads(threads);
  return [...cpuEntries(availableKernelSets(), count), ...(await gpujsEntries(importGpujs)), await onnxruntimeEntry(importOnnxruntime, count)];
}

/**
 * onnxruntime-node (an optional dependency) as a row of the speed table: the same models exported
 * with `@gated/onnx`, forward only, so that users see how an exported model serves next to Gated's
 * own kernels, on as many intra-op threads as Gated's wasm kernel sets get.
 */
async function onnxruntimeEntry(importer: () => Promise<unknown>, threads: number): Promise<BackendEntry> {
  let ort: OnnxruntimeModule;
  try {
    const mod = (await importer()) as OnnxruntimeModule & { default?: OnnxruntimeModule };
    ort = typeof mod.InferenceSession === 'function' || typeof mod.InferenceSession === 'object' ? mod : (mod.default as OnnxruntimeModule);
    if (ort === undefined || typeof ort.InferenceSession?.create !== 'function') throw new Error('no InferenceSession.create');
  } catch (error) {
    return unavailable('onnxruntime', `onnxruntime-node could not be imported (${firstLine(error)})`);
  }
  return {
    id: 'onnxruntime',
    available: true,
    quick: true,
    note: `models exported with @gated/onnx, run by onnxruntime-node with ${threads} thread${threads === 1 ? '' : 's'}; forward only`,
    passes: ['forward'],
    create: () => {
      throw new Error('onnxruntime runs exported models, not Gated tensors');
    },
    measure: (cells, workload, plan, onRun) => measureOnnxruntime(ort, cells, workload, plan, onRun, threads),
  };
}

/** The workloads of a `--quick` run on gpu.js's GL modes (see {@link BackendEntry.quickWorkloads}). */
export const GPU_QUICK_WORKLOADS: readonly string[] = ['small'];

/** The note of an available backend that a `--quick` run leaves out. */
export const QUICK_SKIP_NOTE = 'left out of --quick (CPU emulation of the GPU kernels); run with --full or --backends <id>';

/**
 * Chooses the entries a run uses. `requested` holds ids (`cpu`, `gpujs:webgl`) or families
 * (`gpujs` = every gpu.js mode); `undefined` means every backend found, except, with `quick`, the
 * available ones that are not {@link BackendEntry.quick} (they come back unavailable with
 * {@link QUICK_SKIP_NOTE}). Unavailable entries stay in the list, so the report can say why they
 * did not run.
 *
 * @throws on an id that matches no entry.
 */
export function selectBackends(entries: readonly BackendEntry[], requested: readonly string[] | undefined, quick = false): BackendEntry[] {
  if (requested === undefined) {
    return entries.map((e) => (quick && e.available && !e.quick ? unavailable(e.id, QUICK_SKIP_NOTE) : e));
  }
  const out: BackendEntry[] = [];
  for (const name of requested) {
    const matches = entries.filter((e) => e.id === name || e.id.startsWith(`${name}:`));
    if (matches.length === 0) {
      throw new Error(`unknown backend '${name}'; expected one of ${entries.map((e) => e.id).join(', ')}`);
    }
    for (const m of matches) if (!out.includes(m)) out.push(m);
  }
  return out;
}
