import type { CellName } from './cells';
import type { Pass } from './flops';
import type { SpeedResult } from './results';
import { summarize } from './statistics';
import type { Workload } from './workloads';

/** The peers `--peers` measures: TensorFlow.js 4.x on its CPU backend and on its WebAssembly SIMD backend. */
export const PEER_BACKENDS = ['tfjs:cpu', 'tfjs:wasm'] as const;

/** A peer backend id. */
export type PeerBackend = (typeof PEER_BACKENDS)[number];

/** One peer figure and its ratio to Gated's fastest CPU kernel set on the same figure. */
export interface PeerResult {
  readonly workload: string;
  readonly backend: PeerBackend;
  readonly cell: CellName;
  readonly pass: Pass;
  readonly medianMs: number;
  readonly runs: number;
  /** The Gated figure compared with: backend id and median. */
  readonly gated: { readonly backend: string; readonly medianMs: number } | null;
}

/** A peer run too slow to repeat: above this (cold), one warm run is timed. */
const SLOW_RUN_MS = 3000;

/** What the peer runner uses of TensorFlow.js (imported dynamically: dev dependencies of the bench only). */
interface Tfjs {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tidy<T>(fn: () => T): T;
  randomNormal(shape: number[], mean?: number, stdDev?: number, dtype?: 'float32', seed?: number): TfTensor;
  sum(x: TfTensor): TfTensor;
  variableGrads(f: () => TfTensor): { value: TfTensor; grads: Record<string, TfTensor> };
  layers: {
    gru(args: object): TfLayer;
    lstm(args: object): TfLayer;
    bidirectional(args: { layer: TfLayer; mergeMode: 'concat'; inputShape?: number[] }): TfLayer;
  };
  sequential(): TfLayer & { add(layer: TfLayer): void };
  env(): { set(flag: string, value: unknown): void };
}
interface TfTensor {
  dataSync(): Float32Array;
  dispose(): void;
}
interface TfLayer {
  apply(x: TfTensor): TfTensor;
  dispose?(): void;
}

/**
 * Times TensorFlow.js's `tf.layers.gru` / `tf.layers.lstm` (batch-major input, `returnSequences`;
 * stacked in a `tf.sequential`, each wrapped in `tf.layers.bidirectional` with `concat` for a
 * bidirectional workload, Keras's equivalent of PyTorch's `num_layers` and `bidirectional`): forward
 * (`apply`, one value read back) and forward + backward (`tf.variableGrads` of the summed output, one
 * gradient value read back), the passes of the Gated figures. TensorFlow.js's GRU is the
 * reset-before one with one bias (it has no `resetAfter`). `tfjs:cpu` runs the single-layer,
 * one-direction workloads only: a stacked bidirectional one takes it tens of seconds a run.
 *
 * @returns the figures, and a note per workload or backend that was not run.
 */
export async function runPeers(
  workloads: readonly Workload[],
  cells: readonly CellName[],
  passes: readonly Pass[],
  reps: number,
  gated: readonly SpeedResult[],
  log: (line: string) => void,
): Promise<{ results: PeerResult[]; notes: string[] }> {
  const notes: string[] = [];
  let tf: Tfjs;
  try {
    tf = (await import('@tensorflow/tfjs')) as unknown as Tfjs;
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { results: [], notes: [`peers not run: TensorFlow.js could not be imported (${String(error).split('\n')[0]})`] };
  }
  const results: PeerResult[] = [];
  const stacked = (w: Workload) => w.numLayers > 1 || w.bidirectional;
  for (const backend of PEER_BACKENDS) {
    const name = backend.slice('tfjs:'.length);
    if (!(await tf.setBackend(name))) {
      notes.push(`${backend} not run: tf.setBackend('${name}') failed`);
      continue;
    }
    await tf.ready();
    for (const w of workloads) {
      if (backend === 'tfjs:cpu' && stacked(w)) {
        notes.push(`tfjs:cpu not run on ${w.name}: a stacked or bidirectional workload takes it tens of seconds a run`);
        continue;
      }
      for (const cell of cells) {
        const model = tf.sequential();
        for (let l = 0; l < w.numLayers; l++) {
          const inputShape = l === 0 ? { inputShape: [w.seqLen, w.inputSize] } : {};
          const rnn = tf.layers[cell]({
            units: w.hiddenSize,
            returnSequences: true,
            kernelInitializer: 'glorotUniform',
            recurrentInitializer: 'glorotUniform',
            ...(w.bidirectional ? {} : inputShape),
          });
          model.add(w.bidirectional ? tf.layers.bidirectional({ layer: rnn, mergeMode: 'concat', ...inputShape }) : rnn);
        }
        const x = tf.randomNormal([w.batch, w.seqLen, w.inputSize], 0, 1, 'float32', 1);
        for (const pass of passes) {
          const run = (): number => {
            const t0 = performance.now();
            tf.tidy(() => {
              if (pass === 'forward') {
                model.apply(x).dataSync();
              } else {
                const { grads } = tf.variableGrads(() => tf.sum(model.apply(x)));
                Object.values(grads)[0].dataSync();
              }
            });
            return performance.now() - t0;
          };
          // The cold run is a warm-up (TensorFlow.js compiles and caches per shape); a slow figure
          // then gets one timed run, the others `reps`.
          const cold = run();
          const samples = Array.from({ length: cold > SLOW_RUN_MS ? 1 : reps }, run);
          const { medianMs, runs } = summarize(samples);
          const candidates = gated.filter((r) => r.workload === w.name && r.cell === cell && r.pass === pass && r.backend.startsWith('cpu'));
          const best = candidates.reduce<SpeedResult | null>((a, r) => (a === null || r.timing.medianMs < a.timing.medianMs ? r : a), null);
          results.push({ workload: w.name, backend, cell, pass, medianMs, runs, gated: best === null ? null : { backend: best.backend, medianMs: best.timing.medianMs } });
          log(`${w.name} · ${backend} · ${pass} · ${cell}: ${medianMs.toFixed(1)} ms (${runs} run${runs === 1 ? '' : 's'})`);
        }
        x.dispose();
        model.dispose?.();
      }
    }
  }
  return { results, notes };
}

/** The peer table: each TensorFlow.js figure, the fastest Gated CPU figure, and their ratio. */
export function peerTableText(results: readonly PeerResult[], notes: readonly string[]): string {
  const lines = [
    'Peers: TensorFlow.js 4.22 (tf.layers, batch-major; its GRU is the reset-before one), same workloads, same run',
    '',
    'workload  peer        pass     cell  median ms  runs  Gated (fastest cpu set)       ratio peer/Gated',
  ];
  for (const r of results) {
    const gated = r.gated === null ? '—'.padEnd(29) : `${r.gated.backend} ${r.gated.medianMs.toFixed(1)} ms`.padEnd(29);
    const ratio = r.gated === null ? '—' : `${(r.medianMs / r.gated.medianMs).toFixed(1)}×`;
    lines.push(`${r.workload.padEnd(9)} ${r.backend.padEnd(11)} ${(r.pass === 'backward' ? 'fwd+bwd' : 'forward').padEnd(8)} ${r.cell.toUpperCase().padEnd(5)} ${r.medianMs.toFixed(1).padStart(9)} ${String(r.runs).padStart(5)}  ${gated} ${ratio.padStart(8)}`);
  }
  for (const n of notes) lines.push(`  ${n}`);
  lines.push('  Each peer figure follows one untimed cold run; one slower than 3 s cold is timed once.');
  return lines.join('\n') + '\n';
}
