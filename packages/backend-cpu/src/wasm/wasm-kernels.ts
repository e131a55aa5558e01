import { MEMORY_INITIAL_PAGES, MEMORY_MAXIMUM_PAGES, RELAXED_MODULE_BASE64, SIMD_MODULE_BASE64 } from './modules.generated';

/**
 * The exports of the generated kernel module (see `scripts/wasm-kernels.mjs`; the layer loops' argument
 * lists are in `wasm-layer.ts`). Every address is in bytes; `sp`, `sj`, `si`, `ldc`, `lda` are strides
 * in floats.
 */
export interface KernelExports {
  pack_b(b: number, sp: number, sj: number, k: number, n: number, dst: number): void;
  gemm(m: number, n: number, k: number, a: number, si: number, sp: number, pb: number, c: number, ldc: number, accumulate: number, pa: number, tile: number): void;
  sigmoid(x: number, y: number, count: number): void;
  tanh(x: number, y: number, count: number): void;
  gru_layer_forward(...args: number[]): void;
  lstm_layer_forward(...args: number[]): void;
  gru_layer_backward(...args: number[]): void;
  lstm_layer_backward(...args: number[]): void;
  colsum(a: number, rows: number, cols: number, lda: number, out: number): void;
}

/**
 * The exports a worker thread may be asked to run ({@link ThreadTask}); a task names one by its
 * index here, so the list is the protocol between the pool and its workers.
 */
export const TASK_EXPORTS = ['gemm', 'pack_b', 'colsum', 'gru_layer_forward', 'lstm_layer_forward', 'gru_layer_backward', 'lstm_layer_backward'] as const;

/** One call of a kernel export with integer arguments, run by one thread. */
export interface ThreadTask {
  readonly fn: (typeof TASK_EXPORTS)[number];
  readonly args: readonly number[];
}

const PAGE_BYTES = 65536;
/** Bytes at the start of memory for the calling thread's own scratch (the 4×8 edge tile at address 0). */
export const SCRATCH_BYTES = 256;

/** `bytes` rounded up to a multiple of 16 (every region the kernels use is 16-byte aligned for v128). */
export const align16 = (bytes: number): number => (bytes + 15) & ~15;

/** A bump allocator of 16-byte-aligned byte regions of the module's memory, after the caller's scratch: one call's plan. */
export class MemoryPlan {
  /** Bytes planned so far (the memory a call must {@link WasmKernels.ensure}). */
  size = SCRATCH_BYTES;

  /** A region of `n` bytes; its byte address. */
  bytes(n: number): number {
    const at = this.size;
    this.size += align16(n);
    return at;
  }

  /** A region of `n` floats; its byte address. */
  floats(n: number): number {
    return this.bytes(4 * n);
  }
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** Reads an unsigned LEB128 integer at `at`; returns it and the offset after it. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

/**
 * The module on a memory of its own, from the build importing a shared memory: the two differ only in
 * the limits flag of the memory import (`0x03`, shared with a maximum, becomes `0x01`). Walks the
 * sections to the import section and its memory import; `wasm-kernels.test.ts` checks the result
 * against wabt's own assembly of the unshared build, byte for byte.
 */
export function unsharedModule(shared: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const bytes = shared.slice();
  let at = 8; // magic and version
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, payload] = leb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = leb(bytes, payload);
      for (; count > 0; count--) {
        for (let name = 0; name < 2; name++) {
          const [length, after] = leb(bytes, p);
          p = after + length;
        }
        const kind = bytes[p++];
        if (kind === 2) {
          if (bytes[p] !== 0x03) throw new Error(`wasm kernels: the memory import's limits flag is ${bytes[p]}, expected 3 (shared, with a maximum)`);
          bytes[p] = 0x01;
          return bytes;
        }
        throw new Error(`wasm kernels: an import of kind ${kind} before the memory import`);
      }
    }
    at = payload + size;
  }
  throw new Error('wasm kernels: the module imports no memory');
}

const decoded = new Map<string, Uint8Array<ArrayBuffer>>();
const moduleBytes = (relaxed: boolean, shared: boolean): Uint8Array<ArrayBuffer> => {
  const key = `${relaxed ? 'relaxed' : 'simd'}${shared ? ' shared' : ''}`;
  let bytes = decoded.get(key);
  if (bytes === undefined) {
    const sharedBytes = decode(relaxed ? RELAXED_MODULE_BASE64 : SIMD_MODULE_BASE64);
    bytes = shared ? sharedBytes : unsharedModule(sharedBytes);
    decoded.set(key, bytes);
  }
  return bytes;
};

/**
 * Whether this engine accepts the SIMD128 module and the relaxed-SIMD module
 * (`WebAssembly.validate`; an engine without relaxed SIMD rejects that whole module).
 */
export function wasmSupport(): { readonly simd: boolean; readonly relaxed: boolean } {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return { simd: false, relaxed: false };
  return { simd: WebAssembly.validate(moduleBytes(false, false)), relaxed: WebAssembly.validate(moduleBytes(true, false)) };
}

/**
 * A shared memory for the module when this engine can share memory with worker threads
 * (`SharedArrayBuffer` exists: Node, or a cross-origin-isolated page), else `null`.
 */
function sharedMemory(): WebAssembly.Memory | null {
  if (typeof SharedArrayBuffer !== 'function') return null;
  const scope = globalThis as { crossOriginIsolated?: boolean };
  if (scope.crossOriginIsolated === false) return null;
  try {
    return new WebAssembly.Memory({ initial: MEMORY_INITIAL_PAGES, maximum: MEMORY_MAXIMUM_PAGES, shared: true });
  } catch {
    return null;
  }
}

/**
 * One instance of the kernel module on its own linear memory: the sgemm (pack + register-blocked
 * f32x4 micro-kernel), vectorised sigmoid / tanh, the fused gate math of the GRU and LSTM steps, and
 * the whole-layer time loops. The memory is shared (so that worker threads can instantiate the same
 * module on it) wherever `SharedArrayBuffer` is available. It grows on demand and is kept for reuse.
 */
export class WasmKernels {
  /** The module's exports. */
  readonly exports: KernelExports;
  /** The compiled module (what a worker instantiates on {@link WasmKernels.memory}). */
  readonly module: WebAssembly.Module;
  /** The linear memory every address indexes. */
  readonly memory: WebAssembly.Memory;
  /** Whether {@link WasmKernels.memory} is shared (worker threads possible). */
  readonly shared: boolean;

  private constructor(module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory, shared: boolean) {
    this.module = module;
    this.exports = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.shared = shared;
  }

  static #memory(): { memory: WebAssembly.Memory; shared: boolean } {
    const shared = sharedMemory();
    if (shared !== null) return { memory: shared, shared: true };
    return { memory: new WebAssembly.Memory({ initial: MEMORY_INITIAL_PAGES, maximum: MEMORY_MAXIMUM_PAGES }), shared: false };
  }

  /**
   * Compiles and instantiates the module synchronously. Browsers refuse synchronous compilation of
   * modules over 4 KB on the main thread (a `RangeError`); {@link WasmKernels.instantiate} works
   * everywhere.
   */
  static create(relaxed: boolean): WasmKernels {
    const { memory, shared } = WasmKernels.#memory();
    const module = new WebAssembly.Module(moduleBytes(relaxed, shared));
    return new WasmKernels(module, new WebAssembly.Instance(module, { env: { memory } }), memory, shared);
  }

  /** Compiles and instantiates the module asynchronously (allowed on a browser's main thread). */
  static async instantiate(relaxed: boolean): Promise<WasmKernels> {
    const { memory, shared } = WasmKernels.#memory();
    const module = await WebAssembly.compile(moduleBytes(relaxed, shared));
    return new WasmKernels(module, await WebAssembly.instantiate(module, { env: { memory } }), memory, shared);
  }

  /** The whole memory as floats; a new view after every {@link WasmKernels.ensure} that grows it. */
  get f32(): Float32Array {
    return new Float32Array(this.memory.buffer);
  }

  /** Bytes of memory now. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Grows memory to at least `bytes`. */
  ensure(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (have < bytes) this.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }

  /** Runs every task of `jobs` on the calling thread, job after job. */
  runOnCaller(jobs: readonly (readonly ThreadTask[])[]): void {
    for (const job of jobs) for (const task of job) (this.exports[task.fn] as (...args: number[]) => void)(...task.args);
  }

  /** Packs B (element `(p, j)` at float index `b + p·sp + j·sj`) into 8-column panels at byte `dst`. */
  packB(b: number, sp: number, sj: number, k: number, n: number, dst: number): void {
    this.exports.pack_b(4 * b, sp, sj, k, n, dst);
  }

  /** Bytes {@link WasmKernels.packB} writes for a `[k, n]` B. */
  static packedBBytes(k: number, n: number): number {
    return 32 * k * Math.ceil(n / 8);
  }

  /**
   * `C[m, n] (+)= A·B` with B packed at byte `pb`; A element `(i, p)` at float index `a + i·si + p·sp`;
   * C at float index `c` with row stride `ldc`; `pa` is scratch of `16·k` bytes for the A panel.
   */
  gemm(m: number, n: number, k: number, a: number, si: number, sp: number, pb: number, c: number, ldc: number, accumulate: boolean, pa: number): void {
    this.exports.gemm(m, n, k, 4 * a, si, sp, pb, 4 * c, ldc, accumulate ? 1 : 0, pa, 0);
  }

  /** `y = σ(x)` over `count` floats (a multiple of 4). */
  sigmoid(x: number, y: number, count: number): void {
    this.exports.sigmoid(4 * x, 4 * y, count);
  }

  /** `y = tanh(x)` over `count` floats (a multiple of 4). */
  tanh(x: number, y: number, count: number): void {
    this.exports.tanh(4 * x, 4 * y, count);
  }
}
