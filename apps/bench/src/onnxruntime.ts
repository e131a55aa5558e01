import { manualSeed, noGrad, randn, setBackend, type Tensor } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { exportOnnx } from '@gated/onnx';
import type { CellSpec } from './cells';
import { measureInterleaved, type Measurement, type RepetitionPlan, type RunListener } from './measure';
import type { Workload } from './workloads';

/** What the bench uses of `onnxruntime-node` (found by a dynamic import). */
export interface OnnxruntimeModule {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: { intraOpNumThreads?: number; interOpNumThreads?: number }): Promise<{
      run(feeds: Record<string, unknown>): Promise<Record<string, { readonly data: unknown }>>;
    }>;
  };
  readonly Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

type Session = Awaited<ReturnType<OnnxruntimeModule['InferenceSession']['create']>>;

/** The largest difference between onnxruntime's and Gated's forward that the bench accepts before timing. */
const AGREEMENT = 1e-4;

/**
 * Times onnxruntime-node's forward pass of the same models: each cell is built exactly as for the
 * Gated backends (same seed, so the same weights and input), exported with `@gated/onnx` (one
 * native ONNX GRU/LSTM node per layer), checked against Gated's own forward, and run with
 * `threads` intra-op threads (what Gated's wasm kernel sets get). A timed run is `session.run` plus reading one
 * value of the output, with the same warm-up and interleaving as {@link measureInterleaved}.
 */
export async function measureOnnxruntime(
  ort: OnnxruntimeModule,
  cells: readonly CellSpec[],
  workload: Workload,
  plan: RepetitionPlan,
  onRun: RunListener = () => {},
  threads = 1,
): Promise<Measurement[]> {
  setBackend(new CpuBackend());
  manualSeed(0);
  const models = cells.map((cell) => cell.create(workload));
  const input = randn([workload.seqLen, workload.batch, workload.inputSize]);
  const sessions: Session[] = [];
  for (const [k, model] of models.entries()) {
    const bytes = exportOnnx((i: { x: Tensor }) => model.forward(i.x), { x: input }, { module: model });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
    const expected = noGrad(() => model.forward(input).output.dataSync());
    const actual = (await session.run({ x: new ort.Tensor('float32', input.dataSync(), input.shape) })).output.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    if (!(worst <= AGREEMENT)) throw new Error(`${cells[k].label} ${workload.name}: onnxruntime's output differs from Gated's by ${worst}`);
    sessions.push(session);
  }
  const feeds = { x: new ort.Tensor('float32', input.dataSync(), input.shape) };
  return measureInterleaved(
    cells.map((cell) => `${cell.label} ${workload.name} onnxruntime`),
    async (k) => {
      const data = (await sessions[k].run(feeds)).output.data as Float32Array;
      return data[data.length - 1];
    },
    plan,
    onRun,
  );
}
