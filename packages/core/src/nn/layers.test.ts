import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { ShapeError, ValueError } from '../errors';
import { logSoftmax, logSumExp, mul, softmax, sum } from '../ops';
import { Generator } from '../random';
import { ones, tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { TOLERANCE, assertClose } from '../testing';
import { GELU, ReLU } from './activation';
import { Dropout, dropout } from './dropout';
import { Embedding } from './embedding';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';
import { Sequential } from './sequential';

const backend = new CpuBackend();

interface Fx {
  shape: number[];
  data: number[];
}
interface LayerCase {
  module?: 'Linear' | 'Embedding' | 'LayerNorm';
  fn?: string;
  config: Record<string, unknown>;
  kwargs: Record<string, unknown>;
  inputs: { input: Fx };
  params: Record<string, Fx>;
  output: Fx;
  lossWeights: { Wout: Fx };
  loss: number;
  grads: { input?: Fx; params?: Record<string, Fx> };
}
const cases = JSON.parse(readFileSync(new URL('../__fixtures__/layers.json', import.meta.url), 'utf8')).cases as Record<string, LayerCase>;
const load = (t: Fx, requiresGrad = false): Tensor => tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });

function buildModule(c: LayerCase): Linear | Embedding | LayerNorm {
  const k = c.config;
  if (c.module === 'Linear') return new Linear({ inFeatures: k.in_features as number, outFeatures: k.out_features as number, bias: k.bias as boolean, backend });
  if (c.module === 'Embedding') {
    return new Embedding({ numEmbeddings: k.num_embeddings as number, embeddingDim: k.embedding_dim as number, paddingIdx: k.padding_idx as number, backend });
  }
  return new LayerNorm({ normalizedShape: k.normalized_shape as number[], eps: k.eps as number, elementwiseAffine: k.elementwise_affine as boolean, backend });
}

describe('layers match PyTorch forward and backward (layers.json)', () => {
  const moduleCases = Object.entries(cases).filter(([, c]) => c.module !== undefined);
  it.each(moduleCases)('%s', (name, c) => {
    const m = buildModule(c);
    expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.params));
    m.loadStateDict(c.params);
    const isEmbedding = c.module === 'Embedding';
    const input = load(c.inputs.input, !isEmbedding);
    const out = m.forward(input);
    expect(out.shape).toEqual(c.output.shape);
    assertClose(out.dataSync(), c.output.data, TOLERANCE.pytorchForward, `${name} output`);
    const loss = sum(mul(out, load(c.lossWeights.Wout)));
    assertClose([loss.item()], [c.loss], TOLERANCE.pytorchForward, `${name} loss`);
    loss.backward();
    if (c.grads.input) assertClose(input.grad!.dataSync(), c.grads.input.data, TOLERANCE.pytorchGradient, `${name} input grad`);
    for (const [key, p] of m.namedParameters()) {
      assertClose(p.grad!.dataSync(), c.grads.params![key].data, TOLERANCE.pytorchGradient, `${name} ${key} grad`);
    }
  });

  const functions: Record<string, (x: Tensor) => Tensor> = {
    softmax_large: (x) => softmax(x, -1),
    log_softmax_large: (x) => logSoftmax(x, -1),
    logsumexp_large: (x) => logSumExp(x, -1),
    gelu_exact: (x) => new GELU().forward(x),
    gelu_tanh: (x) => new GELU({ approximate: 'tanh' }).forward(x),
  };
  it.each(Object.keys(functions))('%s', (name) => {
    const c = cases[name];
    const input = load(c.inputs.input, true);
    const out = functions[name](input);
    assertClose(out.dataSync(), c.output.data, TOLERANCE.pytorchForward, `${name} output`);
    sum(mul(out, load(c.lossWeights.Wout))).backward();
    assertClose(input.grad!.dataSync(), c.grads.input!.data, TOLERANCE.pytorchGradient, `${name} grad`);
  });
});

describe('Linear', () => {
  it('initialises weight and bias from U(−1/√in, 1/√in), seeded', () => {
    const a = new Linear({ inFeatures: 16, outFeatures: 32, backend, generator: new Generator(7) });
    const b = new Linear({ inFeatures: 16, outFeatures: 32, backend, generator: new Generator(7) });
    expect(a.weight.dataSync()).toEqual(b.weight.dataSync());
    const bound = 1 / Math.sqrt(16);
    for (const p of [a.weight, a.bias!]) {
      const values = p.dataSync();
      expect(Math.max(...values.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    }
    expect(a.numParameters()).toBe(16 * 32 + 32);
    expect(new Linear({ inFeatures: 3, outFeatures: 2, bias: false, backend }).bias).toBeNull();
  });

  it('handles 1-D input and rejects a wrong feature size', () => {
    const fc = new Linear({ inFeatures: 3, outFeatures: 2, backend });
    expect(fc.forward(ones([3], { backend })).shape).toEqual([2]);
    expect(() => fc.forward(ones([2, 4], { backend }))).toThrow(ShapeError);
    expect(() => fc.forward(ones([2, 4], { backend }))).toThrow('Linear: input must be [..., 3], got [2, 4]');
    expect(() => new Linear({ inFeatures: -1, outFeatures: 2, backend })).toThrow(ValueError);
  });
});

describe('Embedding', () => {
  it('zeroes the padding row at init, draws N(0, 1) elsewhere, and rejects out-of-range indices', () => {
    const e = new Embedding({ numEmbeddings: 5, embeddingDim: 4, paddingIdx: -1, backend });
    expect(e.paddingIdx).toBe(4);
    expect([...e.weight.dataSync().slice(16)]).toEqual([0, 0, 0, 0]);
    expect(e.forward([[1, 2, 4]]).shape).toEqual([1, 3, 4]);
    expect(() => e.forward([5])).toThrow('Embedding: index 5 at position 0 of indices [1] is out of range, expected an integer in [0, 4]');
    expect(() => new Embedding({ numEmbeddings: 5, embeddingDim: 4, paddingIdx: 5, backend })).toThrow(ValueError);
  });
});

describe('LayerNorm', () => {
  it('rejects input whose trailing dimensions differ from normalizedShape', () => {
    expect(() => new LayerNorm({ normalizedShape: 4, backend }).forward(ones([2, 3], { backend }))).toThrow('LayerNorm: input must be [..., 4], got [2, 3]');
  });
});

describe('Dropout', () => {
  it('zeroes about p of the elements, scales survivors by 1/(1 − p), and is seeded', () => {
    const x = ones([10000], { backend, requiresGrad: true });
    const y = dropout(x, { p: 0.3, generator: new Generator(3) });
    const values = y.dataSync();
    const kept = values.filter((v) => v !== 0);
    expect(Math.abs(kept.length / values.length - 0.7)).toBeLessThan(0.02);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(dropout(x, { p: 0.3, generator: new Generator(3) }).dataSync()).toEqual(values);
    sum(y).backward();
    expect(x.grad!.dataSync()).toEqual(values);
  });

  it('is the identity in eval mode and validates p', () => {
    const drop = new Dropout({ p: 0.5 });
    const x = ones([4], { backend });
    drop.eval();
    expect(drop.forward(x)).toBe(x);
    drop.train();
    expect(drop.training).toBe(true);
    expect(dropout(x, { p: 1 }).dataSync()).toEqual(new Float32Array(4));
    expect(() => new Dropout({ p: 1.5 })).toThrow('Dropout: p must be a probability in [0, 1], got 1.5');
  });
});

describe('Sequential', () => {
  it('chains modules and names children 0, 1, ... as PyTorch', () => {
    const net = new Sequential(new Linear({ inFeatures: 2, outFeatures: 3, backend }), new ReLU(), new Dropout({ p: 0.5 }), new Linear({ inFeatures: 3, outFeatures: 1, backend }));
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    expect(net.length).toBe(4);
    net.eval();
    expect(net.layers[2].training).toBe(false);
    expect(net.forward(ones([5, 2], { backend })).shape).toEqual([5, 1]);
  });
});
