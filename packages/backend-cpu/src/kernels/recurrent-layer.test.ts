import { describe, expect, it, vi } from 'vitest';
import {
  GRU_CELL,
  GRU_RESET_BEFORE_CELL,
  Generator,
  LSTM_CELL,
  ShapeError,
  ValueError,
  add,
  mul,
  noGrad,
  randn,
  recurrentLayer,
  scope,
  recurrentLayerReference,
  sum,
  tensor,
  type RecurrentCell,
  type Tensor,
} from '@gated/core';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from '../index';
import { KERNEL_SETS_UNDER_TEST } from '../kernel-sets-under-test';

const cells: [string, RecurrentCell][] = [
  ['GRU (reset after)', GRU_CELL],
  ['GRU (reset before)', GRU_RESET_BEFORE_CELL],
  ['LSTM', LSTM_CELL],
];

// Lengths 7, 3, 0, 5 and 1 over 7 steps: full, short, empty (every step padded) and one-step rows.
// Hidden size 6 runs the JS gate math in every set; 8 (a multiple of 4) the fused wasm gates.
const T = 7;
const B = 5;
const HIDDEN_SIZES = [6, 8];
const lengths = [7, 3, 0, 5, 1];
const maskOf = (): Float32Array => Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0));

interface Run {
  readonly values: Float32Array[];
  readonly grads: Float32Array[];
}

/** `gx`: the projection given; `input`: x (inputSize 5), W_ih and b_ih given, the projection inside the layer. */
type Form = 'gx' | 'input';
const I = 5;

function run(backend: CpuBackend, cell: RecurrentCell, layer: typeof recurrentLayer, mask: Float32Array | null, poison: boolean, H: number, form: Form = 'gx', size = { T, B }): Run {
  const { T, B } = size;
  const G = cell.gateCount;
  const rand = (shape: number[], seed: number) =>
    randn(shape, {
      backend,
      generator: new Generator(seed),
      requiresGrad: true,
    });
  let gxValues = randn([T, B, G * H], {
    backend,
    generator: new Generator(1),
  }).dataSync();
  if (poison && mask !== null) {
    // Padding is never read: NaN and Inf in padded steps must not reach anything.
    gxValues = gxValues.map((v, i) => (mask[Math.floor(i / (G * H))] === 0 ? (i % 2 === 0 ? Number.NaN : Number.POSITIVE_INFINITY) : v));
  }
  const gx = tensor(gxValues, [T, B, G * H], { backend, requiresGrad: true });
  const h0 = rand([B, H], 2);
  const c0 = cell.hasCellState ? rand([B, H], 3) : null;
  const weightHh = rand([G * H, H], 4);
  const biasHh = rand([G * H], 5);
  const input = form === 'input' ? { x: rand([T, B, I], 9), weightIh: rand([G * H, I], 10), biasIh: rand([G * H], 11) } : null;
  const r = layer(cell, { ...(input === null ? { gx } : { input }), h0, c0, weightHh, biasHh, mask });
  const weighted = (t: Tensor, seed: number) => sum(mul(t, randn([...t.shape], { backend, generator: new Generator(seed) })));
  let loss = add(weighted(r.output, 6), weighted(r.h, 7));
  if (r.c !== null) loss = add(loss, weighted(r.c, 8));
  loss.backward();
  const inputs = [...(input === null ? [gx] : [input.x, input.weightIh, input.biasIh]), h0, weightHh, biasHh, ...(c0 === null ? [] : [c0])];
  return {
    values: [r.output, r.h, ...(r.c === null ? [] : [r.c])].map((t) => t.dataSync()),
    grads: inputs.map((t) => (t.grad as Tensor).dataSync()),
  };
}

for (const kernels of KERNEL_SETS_UNDER_TEST) {
  describe(`whole-layer recurrent kernel (${kernels} kernels)`, () => {
    for (const [cellLabel, cell] of cells) {
      for (const H of HIDDEN_SIZES) {
        const label = `${cellLabel}, hidden ${H}`;
        for (const form of ['gx', 'input'] as const) {
          for (const masked of [false, true]) {
            it(`${label}, ${form} form${masked ? ', with lengths' : ''}: values and gradients equal the op-by-op reference`, () => {
              const backend = new CpuBackend({ kernels });
              const spy = vi.spyOn(backend, 'recurrentLayer');
              const mask = masked ? maskOf() : null;
              const fast = run(backend, cell, recurrentLayer, mask, false, H, form);
              expect(spy).toHaveBeenCalledTimes(1);
              expect(spy.mock.calls[0][0].input === null).toBe(form === 'gx');
              const reference = run(backend, cell, recurrentLayerReference, mask, false, H, form);
              expect(spy).toHaveBeenCalledTimes(1);
              fast.values.forEach((v, i) => assertClose(v, reference.values[i], TOLERANCE.accumulation, `${label} value ${i}`));
              fast.grads.forEach((g, i) => assertClose(g, reference.grads[i], TOLERANCE.accumulation, `${label} gradient ${i}`));
            });
          }
        }

        it(`${label}: padding is never read (NaN and Inf in padded gx change nothing)`, () => {
          const backend = new CpuBackend({ kernels });
          const mask = maskOf();
          const clean = run(backend, cell, recurrentLayer, mask, false, H);
          const poisoned = run(backend, cell, recurrentLayer, mask, true, H);
          poisoned.values.forEach((v, i) => assertClose(v, clean.values[i], TOLERANCE.exact, `${label} value ${i}`));
          // Gradient of gx: exactly 0 at every padded step, and everything else unchanged.
          const gxGrad = poisoned.grads[0];
          const G = cell.gateCount;
          for (let i = 0; i < gxGrad.length; i++) {
            if (mask[Math.floor(i / (G * H))] === 0) expect(Object.is(gxGrad[i], 0)).toBe(true);
          }
          poisoned.grads.forEach((g, i) => assertClose(g, clean.grads[i], TOLERANCE.exact, `${label} gradient ${i}`));
          // The output of a padded step is exactly 0.
          const output = poisoned.values[0];
          for (let i = 0; i < T * B * H; i++) if (mask[Math.floor(i / H)] === 0) expect(Object.is(output[i], 0)).toBe(true);
        });
      }
    }

    it('without grad keeps nothing for a backward: the same values, and only the outputs live', () => {
      const backend = new CpuBackend({ kernels });
      const spy = vi.spyOn(backend, 'recurrentLayer');
      for (const [, cell] of cells) {
        const G = cell.gateCount;
        const H = 8;
        const rand = (shape: number[], seed: number) => randn(shape, { backend, generator: new Generator(seed) });
        const args = {
          gx: rand([T, B, G * H], 1),
          h0: rand([B, H], 2),
          c0: cell.hasCellState ? rand([B, H], 3) : null,
          weightHh: rand([G * H, H], 4),
          biasHh: rand([G * H], 5),
          mask: maskOf(),
        };
        const before = backend.memory().liveStorages;
        const r = noGrad(() => recurrentLayer(cell, args));
        expect(spy.mock.results[spy.mock.results.length - 1].value.saved).toEqual([]);
        // The packed output and its slices (output, h, c); no saved activations.
        expect(backend.memory().liveStorages).toBeLessThanOrEqual(before + (cell.hasCellState ? 4 : 3));
        const reference = recurrentLayerReference(cell, args);
        assertClose(r.output.dataSync(), reference.output.dataSync(), TOLERANCE.accumulation, 'output');
        assertClose(r.h.dataSync(), reference.h.dataSync(), TOLERANCE.accumulation, 'h');
      }
    });

    it('leaves no storage behind once the tensors are released (forward, backward, saved state)', () => {
      const backend = new CpuBackend({ kernels });
      const before = backend.memory();
      for (const [, cell] of cells) {
        for (let i = 0; i < 3; i++) scope(() => run(backend, cell, recurrentLayer, maskOf(), false, 8));
        expect(backend.memory()).toEqual(before);
      }
    });
  });
}

describe('recurrentLayer arguments', () => {
  const H = 4;
  const withKernel = new CpuBackend();
  // The same backend without the whole-layer kernel: core projects with ops and runs its per-step path.
  const perStep = new CpuBackend();
  Object.defineProperty(perStep, 'recurrentLayer', { value: undefined });
  const setup = (backend: CpuBackend) => {
    const t = (shape: number[]) => randn(shape, { backend, generator: new Generator(1) });
    return { t, state: { h0: t([2, H]), c0: null, weightHh: t([3 * H, H]), biasHh: t([3 * H]), mask: null } };
  };

  for (const [label, backend] of [
    ['whole-layer kernel', withKernel],
    ['per-step path', perStep],
  ] as const) {
    it(`${label}: takes exactly one of gx and input, and says which it got`, () => {
      const { t, state } = setup(backend);
      expect(() => recurrentLayer(GRU_CELL, state)).toThrow(ValueError);
      expect(() => recurrentLayer(GRU_CELL, state)).toThrow('GRU: give exactly one of gx (the input projection) and input ({ x, weightIh, biasIh }), got neither');
      const both = { ...state, gx: t([3, 2, 3 * H]), input: { x: t([3, 2, 5]), weightIh: t([3 * H, 5]), biasIh: null } };
      expect(() => recurrentLayer(GRU_CELL, both)).toThrow('got both');
      expect(() => recurrentLayerReference(GRU_CELL, both)).toThrow('got both');
    });

    it(`${label}: refuses an input that does not fit its weights, naming the shapes`, () => {
      const { t, state } = setup(backend);
      const bad = [
        { x: t([3, 2, 5]), weightIh: t([3 * H, 6]), biasIh: null },
        { x: t([3, 2, 5]), weightIh: t([2 * H, 5]), biasIh: null },
        { x: t([6, 5]), weightIh: t([3 * H, 5]), biasIh: null },
        { x: t([3, 2, 5]), weightIh: t([3 * H, 5]), biasIh: t([H]) },
      ];
      for (const input of bad) {
        expect(() => recurrentLayer(GRU_CELL, { ...state, input })).toThrow(ShapeError);
        expect(() => recurrentLayer(GRU_CELL, { ...state, input })).toThrow(/input x must be \[seqLen, batch, inputSize\] with weightIh \[12, inputSize\] and biasIh \[12\] or null, got x \[/);
        expect(() => recurrentLayerReference(GRU_CELL, { ...state, input })).toThrow(ShapeError);
      }
      // A batch that does not match h0 is the layer's own shape error.
      const wrongBatch = { x: t([3, 5, 5]), weightIh: t([3 * H, 5]), biasIh: null };
      expect(() => recurrentLayer(GRU_CELL, { ...state, input: wrongBatch })).toThrow('GRU: gx must be [seqLen, 2, 12] for h0 [2, 4], got [3, 5, 12]');
    });
  }
});
