import { GRU_CELL, LSTM_CELL, add, manualSeed, matmul, mul, randn, recurrentLayer, scope, sum, type Backend, type Tensor } from '@gated/core';

/** The shapes of the browser check: hidden 8 (the fused wasm gates), a padded batch row, and a 64³ product. */
export const LAYER_CHECK = { seed: 11, seqLen: 5, batch: 3, hiddenSize: 8, lengths: [5, 2, 4], matmulSize: 64 } as const;

/** Every number of one run, as plain arrays (they cross `page.evaluate`). */
export interface LayerCheckValues {
  /** `backend.kernels` of the run. */
  readonly kernels: string;
  /** Label → values: each cell's outputs and gradients, and the product. */
  readonly numbers: Record<string, number[]>;
}

/**
 * Runs a GRU and an LSTM layer ({@link recurrentLayer}, so the whole-layer kernel) forward and
 * backward, and one 64×64 product (the wasm sgemm's size), from `manualSeed` draws made on the host,
 * so that any two backends start from the same numbers.
 */
export function runLayerCheck(backend: Backend & { readonly kernels: string }): LayerCheckValues {
  const { seed, seqLen: T, batch: B, hiddenSize: H, lengths, matmulSize: M } = LAYER_CHECK;
  const mask = Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0));
  return scope(() => {
    manualSeed(seed);
    const numbers: Record<string, number[]> = {};
    for (const cell of [GRU_CELL, LSTM_CELL]) {
      const G = cell.gateCount;
      const leaf = (shape: number[]) => randn(shape, { backend, requiresGrad: true });
      const gx = leaf([T, B, G * H]);
      const h0 = leaf([B, H]);
      const c0 = cell.hasCellState ? leaf([B, H]) : null;
      const weightHh = leaf([G * H, H]);
      const biasHh = leaf([G * H]);
      const r = recurrentLayer(cell, { gx, h0, c0, weightHh, biasHh, mask });
      let loss = add(sum(mul(r.output, randn([T, B, H], { backend }))), sum(mul(r.h, randn([B, H], { backend }))));
      if (r.c !== null) loss = add(loss, sum(mul(r.c, randn([B, H], { backend }))));
      loss.backward();
      const tensors: [string, Tensor][] = [
        ['output', r.output],
        ['h', r.h],
        ['grad gx', gx.grad as Tensor],
        ['grad h0', h0.grad as Tensor],
        ['grad weightHh', weightHh.grad as Tensor],
        ['grad biasHh', biasHh.grad as Tensor],
      ];
      if (c0 !== null) tensors.push(['grad c0', c0.grad as Tensor]);
      for (const [label, t] of tensors) numbers[`${cell.name} ${label}`] = Array.from(t.dataSync());
    }
    numbers.matmul = Array.from(matmul(randn([M, M], { backend }), randn([M, M], { backend })).dataSync());
    return { kernels: backend.kernels, numbers };
  });
}

/** The threads check: big enough (20M multiply-adds forward) that a GRU layer and its backward are split across two threads. */
export const THREAD_CHECK = { seed: 5, seqLen: 24, batch: 16, inputSize: 8, hiddenSize: 128, lengths: [24, 3, 0, 17, 24, 1, 19, 8, 24, 12, 5, 24, 9, 14, 24, 2] } as const;

/**
 * One GRU layer in the input form (`x`, `W_ih`, `b_ih`: the projection inside the kernel), with
 * lengths, forward and backward; every output and gradient, flattened, for a bit-for-bit comparison
 * of two thread counts.
 */
export function runThreadCheck(backend: Backend): number[] {
  const { seed, seqLen: T, batch: B, inputSize: I, hiddenSize: H, lengths } = THREAD_CHECK;
  const mask = Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0));
  return scope(() => {
    manualSeed(seed);
    const leaf = (shape: number[]) => randn(shape, { backend, requiresGrad: true });
    const input = { x: leaf([T, B, I]), weightIh: leaf([3 * H, I]), biasIh: leaf([3 * H]) };
    const h0 = leaf([B, H]);
    const weightHh = leaf([3 * H, H]);
    const biasHh = leaf([3 * H]);
    const r = recurrentLayer(GRU_CELL, { input, h0, c0: null, weightHh, biasHh, mask });
    add(sum(mul(r.output, randn([T, B, H], { backend }))), sum(mul(r.h, randn([B, H], { backend })))).backward();
    const tensors = [r.output, r.h, input.x.grad, input.weightIh.grad, input.biasIh.grad, h0.grad, weightHh.grad, biasHh.grad] as Tensor[];
    return tensors.flatMap((t) => Array.from(t.dataSync()));
  });
}
