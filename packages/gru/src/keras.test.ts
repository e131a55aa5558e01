import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, ValueError, randn, unsqueeze } from '@gated/core';
import { readFileSync } from 'node:fs';
import { TOLERANCE, assertClose, fixtureTensor, parseFixtureCases, type FixtureTensor, type RecurrentFixtureCase } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU, exportKerasGruWeights, kerasGruToStateDict, loadKerasGruWeights } from './index';

// keras.json: scripts/fixtures/gen_gru.py exports a PyTorch case in Keras layout
//   kernel = concat([W_iz, W_ir, W_in]).T;  recurrent_kernel = concat([W_hz, W_hr, W_hn]).T
//   bias = [[b_iz, b_ir, b_in], [b_hz, b_hr, b_hn]] (reset_after=True) or their sum (False)
// and checks the Keras math on those weights in float64 numpy.
interface KerasCase {
  readonly config: { units: number; input_dim: number; reset_after: boolean };
  readonly inputs: { input: FixtureTensor; initial_state: FixtureTensor };
  readonly weights: { kernel: FixtureTensor; recurrent_kernel: FixtureTensor; bias: FixtureTensor };
  readonly outputs: { output: FixtureTensor; final_state: FixtureTensor };
  readonly sourceFile: string;
  readonly sourceCase: string;
}

const backend = new CpuBackend();
const loadFixture = <T,>(name: string) => parseFixtureCases<T>(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'), name);
const cases = loadFixture<KerasCase>('keras.json');

describe('Keras GRU weights', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: imported weights give Keras' outputs, and export gives the Keras arrays back`, () => {
      const gru = new GRU({ inputSize: c.config.input_dim, hiddenSize: c.config.units, batchFirst: true, resetAfter: c.config.reset_after, backend });
      const { kernel, recurrent_kernel: recurrentKernel, bias } = c.weights;
      loadKerasGruWeights(gru, { kernel, recurrentKernel, bias });
      const h0 = unsqueeze(fixtureTensor(c.inputs.initial_state, backend), 0);
      const { output, hN } = gru.forward(fixtureTensor(c.inputs.input, backend), h0);
      assertClose(output.dataSync(), c.outputs.output.data, TOLERANCE.pytorchForward, `${name} output`);
      assertClose(hN.dataSync(), c.outputs.final_state.data, TOLERANCE.pytorchForward, `${name} final_state`);

      const exported = exportKerasGruWeights(gru);
      expect(exported.kernel.shape).toEqual(kernel.shape);
      assertClose(exported.kernel.data, kernel.data, TOLERANCE.exact, 'kernel');
      assertClose(exported.recurrentKernel.data, recurrentKernel.data, TOLERANCE.exact, 'recurrent_kernel');
      expect(exported.bias!.shape).toEqual(bias.shape);
      assertClose(exported.bias!.data, bias.data, TOLERANCE.exact, 'bias');
    });

    it(`${name}: the reordering reproduces the PyTorch source weights`, () => {
      const source = loadFixture<RecurrentFixtureCase>(c.sourceFile)[c.sourceCase];
      const state = kerasGruToStateDict({ kernel: c.weights.kernel, recurrentKernel: c.weights.recurrent_kernel, bias: c.weights.bias }, c.config.reset_after);
      for (const key of ['weight_ih_l0', 'weight_hh_l0']) assertClose(state[key].data, source.params[key].data, TOLERANCE.exact, key);
      if (c.config.reset_after) {
        for (const key of ['bias_ih_l0', 'bias_hh_l0']) assertClose(state[key].data, source.params[key].data, TOLERANCE.exact, key);
      }
    });
  }

  for (const resetAfter of [true, false]) {
    it(`round-trips a 2-layer bidirectional GRU layer by layer to identical outputs (resetAfter=${resetAfter})`, () => {
      const options = { inputSize: 3, hiddenSize: 5, numLayers: 2, bidirectional: true, resetAfter, backend };
      const source = new GRU({ ...options, generator: new Generator(1) });
      const target = new GRU({ ...options, generator: new Generator(2) });
      for (let layer = 0; layer < 2; layer++) {
        for (const reverse of [false, true]) loadKerasGruWeights(target, exportKerasGruWeights(source, { layer, reverse }), { layer, reverse });
      }
      const x = randn([4, 2, 3], { backend, generator: new Generator(3) });
      const a = source.forward(x);
      const b = target.forward(x);
      // Reset-before export folds b_hh into b_ih: one float32 rounding per bias, hence a tolerance.
      const tolerance = resetAfter ? TOLERANCE.exact : TOLERANCE.elementwise;
      assertClose(b.output.dataSync(), a.output.dataSync(), tolerance, 'output');
      assertClose(b.hN.dataSync(), a.hN.dataSync(), tolerance, 'hN');
    });
  }

  it('rejects a bias layout that does not fit resetAfter, and wrong shapes', () => {
    const c = cases.keras_reset_after;
    const w = { kernel: c.weights.kernel, recurrentKernel: c.weights.recurrent_kernel, bias: c.weights.bias };
    const before = new GRU({ inputSize: 3, hiddenSize: 4, resetAfter: false, backend });
    expect(() => loadKerasGruWeights(before, w)).toThrow(ValueError);
    expect(() => kerasGruToStateDict({ ...w, kernel: { shape: [3, 11], data: new Float32Array(33) } }, true)).toThrow(
      new ShapeError('Keras GRU: kernel must be [inputSize, 12], got [3, 11]'),
    );
    expect(() => loadKerasGruWeights(new GRU({ inputSize: 3, hiddenSize: 4, backend }), w, { layer: 1 })).toThrow('Keras GRU: layer must be an integer in [0, 0], got 1');
  });
});
