import type { CellSpec } from './cells';
import type { Workload } from './workloads';

/** What one timed run computes: inference, or one training step's gradients. */
export type Pass = 'forward' | 'backward';

/** Every pass, in report order. */
export const PASSES: readonly Pass[] = ['forward', 'backward'];

/** Labels of the passes in tables and charts. */
export const PASS_LABELS: Readonly<Record<Pass, string>> = { forward: 'forward', backward: 'fwd+bwd' };

/**
 * Floating-point operations of one run of `cell` on `workload`, the denominator of GFLOP/s.
 *
 * @remarks Per sequence step, layer and direction, with `B` batch, `G` gates, `H` hidden size and
 * `I_l` the layer's input width (`inputSize`, then `D·H` above the first layer):
 *
 * - forward: `2·B·G·H·(I_l + H)` for the input and hidden projections (a multiply-add is 2 FLOPs;
 *   the bias adds are left out) plus `E·B·H` element-wise work of the fused step, `E` =
 *   {@link CellSpec.elementwiseFlops} (GRU 10, LSTM 13);
 * - backward: twice the forward matmul FLOPs (the gradient with respect to the inputs and to the
 *   weights, one product each) plus `2·E·B·H`.
 *
 * The `backward` pass times forward and backward together, so its count is the sum: `3×` the
 * forward matmul FLOPs plus `3·E·B·H`. These are nominal counts: a library that computes more (or
 * skips work, e.g. masked steps) still gets credit for exactly these.
 */
export function flopsPerRun(cell: CellSpec, workload: Workload, pass: Pass): number {
  const { batch: B, hiddenSize: H, seqLen, numLayers } = workload;
  const D = workload.bidirectional ? 2 : 1;
  const G = cell.gates;
  const factor = pass === 'forward' ? 1 : 3;
  let perStep = 0;
  for (let layer = 0; layer < numLayers; layer++) {
    const I = layer === 0 ? workload.inputSize : D * H;
    perStep += D * factor * (2 * B * G * H * (I + H) + cell.elementwiseFlops * B * H);
  }
  return perStep * seqLen;
}

/** Sequence steps processed per second: `batch · seqLen / seconds`. */
export function stepsPerSecond(workload: Workload, milliseconds: number): number {
  return (workload.batch * workload.seqLen * 1000) / milliseconds;
}

/** GFLOP/s of a run of `flops` that took `milliseconds`. */
export function gflopsPerSecond(flops: number, milliseconds: number): number {
  return flops / (milliseconds * 1e6);
}
