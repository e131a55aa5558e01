import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import * as ops from '.';
import { scope } from '../memory';
import { traceOps, type OpEvent } from '../trace';
import { binaryCrossEntropyWithLogits, crossEntropy } from '../nn/loss';
import { Embedding } from '../nn/embedding';
import { tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { Generator } from '../random';
import { noGrad } from '../autograd/grad-mode';

const backend = new CpuBackend();
const gen = new Generator(7);
const leaf = (shape: number[], offset = 0): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => gen.nextFloat() * 2 - 1 + offset), shape, { backend, requiresGrad: true });
};

/**
 * Each case builds a scalar from fresh leaves. The forward runs inside `scope()`, which frees every
 * tensor the graph does not declare (inputs and saved); a backward that reads a tensor it captured
 * instead of declaring it then fails with a DisposedError. The gradients must equal those of the same
 * forward run without a scope.
 */
const cases: Record<string, (x: Tensor) => Tensor> = {
  indexSelectWithTensorIndices: (x) => ops.indexSelect(x, 0, tensor([2, 0, 2], [3], { backend })).sum(),
  indexSelectWithArray: (x) => ops.indexSelect(x, 1, [1, 1, 0]).sum(),
  bceWithWeights: (x) =>
    binaryCrossEntropyWithLogits(x, tensor(Array.from({ length: 12 }, (_, i) => i % 2), [3, 4], { backend }), {
      weight: tensor([1, 2, 3, 4], [4], { backend }),
      posWeight: tensor([0.5, 1, 2, 3], [4], { backend }),
    }),
  crossEntropyWithClassWeight: (x) => crossEntropy(x, [0, 3, 1], { weight: [1, 2, 0.5, 1] }),
  where: (x) => ops.where(ops.gt(x, 0), x, ops.mul(x, 3)).sum(),
  clamp: (x) => ops.clamp(x, -0.5, 0.5).mul(x).sum(),
  softmax: (x) => ops.softmax(x, 1).mul(x).sum(),
  logSoftmax: (x) => ops.logSoftmax(x, 0).mul(x).sum(),
  maxReduce: (x) => ops.max(x, 1).sum(),
  divPow: (x) => ops.div(ops.pow(ops.abs(x), 1.5), ops.add(ops.square(x), 1)).sum(),
  matmulTransposed: (x) => ops.matmulTransposed(x, ops.tanh(x), true, false).sum(),
  sliceConcatPad: (x) => ops.pad(ops.concat([ops.slice(x, [1, 0], [2, 4]), x], 0), [[1, 0], [0, 2]]).mul(2).sum(),
  permuteReshape: (x) => ops.reshape(ops.permute(x, [1, 0]), [2, 6]).sigmoid().sum(),
};

describe('backward declares what it keeps', () => {
  for (const [name, build] of Object.entries(cases)) {
    it(`${name}: gradients are the same when the forward ran inside scope()`, () => {
      const x1 = leaf([3, 4]);
      const x2 = tensor(x1.dataSync(), x1.shape, { backend, requiresGrad: true });
      build(x1).backward();
      const loss = scope(() => build(x2));
      loss.backward();
      expect(Array.from(x2.grad!.dataSync())).toEqual(Array.from(x1.grad!.dataSync()));
    });
  }

  it('Embedding: the looked-up indices survive a scope', () => {
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: 3, backend });
    const loss = scope(() => emb.forward(tensor([[1, 4], [4, 0]], [2, 2], { backend })).sum());
    loss.backward();
    expect(Array.from(emb.weight.grad!.dataSync())).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 2, 2, 2]);
  });
});

describe('traceOps', () => {
  it('reports each op once, in order, with its attributes; composites hide their primitives', () => {
    const x = leaf([2, 3]);
    const w = leaf([3, 4]);
    const events: OpEvent[] = [];
    const y = traceOps(
      () => ops.softmax(ops.slice(ops.matmul(x, w), [0, 1], [2, 2]), -1).reshape([4]),
      (e) => events.push(e),
    );
    expect(events.map((e) => e.op)).toEqual(['matmul', 'slice', 'softmax', 'reshape']);
    expect(events[0].inputs).toEqual([x, w]);
    expect(events[0].attrs).toEqual({ transposeA: false, transposeB: false });
    expect(events[1].inputs[0]).toBe(events[0].output);
    expect(events[1].attrs).toEqual({ begin: [0, 1], size: [2, 2] });
    expect(events[2].attrs).toEqual({ axis: 1 });
    expect(events[3].attrs).toEqual({ shape: [4] });
    expect(events[3].output).toBe(y);
  });

  it('reports ops run without grad too, nothing outside the call, and scalar operands as attributes', () => {
    const x = tensor([1, 2], [2], { backend });
    const events: OpEvent[] = [];
    traceOps(() => noGrad(() => ops.mul(ops.sum(x, 0, true), 3)), (e) => events.push(e));
    ops.add(x, 1);
    expect(events.map((e) => [e.op, e.attrs])).toEqual([
      ['sum', { axes: [0], keepDims: true }],
      ['mul', { scalar: 3, scalarFirst: false }],
    ]);
  });

  it('stops listening when the traced function throws', () => {
    const events: OpEvent[] = [];
    expect(() =>
      traceOps(
        () => {
          ops.neg(tensor([1], [1], { backend }));
          throw new Error('boom');
        },
        (e) => events.push(e),
      ),
    ).toThrow('boom');
    ops.neg(tensor([1], [1], { backend }));
    expect(events).toHaveLength(1);
  });
});
