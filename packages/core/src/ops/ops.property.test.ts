import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { tensor, type Tensor } from '../index';
import * as ops from './index';
import { Float64Tensor, TOLERANCE, assertClose, refMatmul, refReduce, refSlice, refZip } from '../testing';

// Property tests: random shapes and values against the plain float64 reference in core/testing.
const backend = new CpuBackend();
const RUNS = { numRuns: 150, seed: 20261123 } as const;

const dim = fc.integer({ min: 0, max: 4 });
const shapeArb = (minRank: number, maxRank: number) => fc.array(dim, { minLength: minRank, maxLength: maxRank });
const valuesFor = (shape: readonly number[]) =>
  fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), {
    minLength: shape.reduce((a, b) => a * b, 1),
    maxLength: shape.reduce((a, b) => a * b, 1),
  });

const make = (shape: readonly number[], values: readonly number[]): Tensor => tensor(Float32Array.from(values), shape, { backend });
const ref = (t: Tensor) => new Float64Tensor(t.shape, Float64Array.from(t.dataSync()));

/** Two shapes that broadcast: each is the output shape with some axes set to 1 and some leading axes dropped. */
const broadcastPair = shapeArb(0, 4).chain((out) =>
  fc.tuple(
    fc.constant(out),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    fc.nat({ max: out.length }),
    fc.nat({ max: out.length }),
  ).map(([o, onesA, onesB, dropA, dropB]) => [o.map((d, i) => (onesA[i] ? 1 : d)).slice(dropA), o.map((d, i) => (onesB[i] ? 1 : d)).slice(dropB)] as const),
);

describe('ops against a float64 reference (property-based)', () => {
  it('binary ops broadcast like NumPy', () => {
    fc.assert(
      fc.property(
        broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb), valuesFor(sa), valuesFor(sb), fc.constantFrom('add', 'sub', 'mul', 'maximum') as fc.Arbitrary<'add' | 'sub' | 'mul' | 'maximum'>)),
        ([sa, sb, va, vb, op]) => {
          const a = make(sa, va);
          const b = make(sb, vb);
          const f64 = { add: (x: number, y: number) => x + y, sub: (x: number, y: number) => x - y, mul: (x: number, y: number) => x * y, maximum: Math.max }[op];
          const out = ops[op](a, b);
          const expected = refZip([ref(a), ref(b)], f64);
          expect(out.shape).toEqual(expected.shape);
          assertClose(out.dataSync(), expected.data, TOLERANCE.elementwise, `${op} [${sa}] [${sb}]`);
        },
      ),
      RUNS,
    );
  });

  it('reductions over any axes, with and without keepDims', () => {
    fc.assert(
      fc.property(
        shapeArb(1, 4).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            valuesFor(shape),
            fc.subarray(shape.map((_, i) => i)),
            fc.boolean(),
            fc.constantFrom('sum', 'max', 'min', 'mean') as fc.Arbitrary<'sum' | 'max' | 'min' | 'mean'>,
          ),
        ),
        ([shape, values, axes, keepDims, op]) => {
          const x = make(shape, values);
          const out = ops[op](x, axes, keepDims);
          const count = axes.reduce((n, a) => n * shape[a], 1);
          const [init, f] =
            op === 'max' ? [-Infinity, Math.max] : op === 'min' ? [Infinity, Math.min] : [0, (s: number, v: number) => s + v];
          let expected = refReduce(ref(x), axes, keepDims, init, f);
          if (op === 'mean') expected = new Float64Tensor(expected.shape, expected.data.map((v) => v / count));
          expect(out.shape).toEqual(expected.shape);
          assertClose(out.dataSync(), expected.data, TOLERANCE.accumulation, `${op} axes [${axes}] of [${shape}]`);
        },
      ),
      RUNS,
    );
  });

  it('slice takes the right block and its gradient puts it back', () => {
    fc.assert(
      fc.property(
        shapeArb(1, 4).chain((shape) =>
          fc.tuple(
            fc.constant(shape),
            valuesFor(shape),
            fc.tuple(...shape.map((d) => fc.nat({ max: d }).chain((b) => fc.tuple(fc.constant(b), fc.nat({ max: d - b }))))),
          ),
        ),
        ([shape, values, ranges]) => {
          const x = tensor(Float32Array.from(values), shape, { backend, requiresGrad: true });
          const begin = ranges.map(([b]) => b);
          const size = ranges.map(([, s]) => s);
          const out = ops.slice(x, begin, size);
          assertClose(out.dataSync(), refSlice(ref(x), begin, size).data, TOLERANCE.exact, `slice of [${shape}]`);
          ops.sum(out).backward();
          const grad = x.grad?.dataSync() ?? new Float32Array(x.size);
          const mask = refSlice(new Float64Tensor(shape, Float64Array.from({ length: x.size }, (_, i) => i)), begin, size);
          const expected = new Float64Array(x.size);
          for (const i of mask.data) expected[i] = 1;
          assertClose(grad, expected, TOLERANCE.exact, 'slice gradient');
        },
      ),
      RUNS,
    );
  });

  it('matmul with broadcasting batch dimensions', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(dim, dim, dim, broadcastPair.filter(([a, b]) => a.length <= 2 && b.length <= 2))
          .chain(([m, k, n, [ba, bb]]) =>
            fc.tuple(fc.constant([...ba, m, k]), fc.constant([...bb, k, n])).chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb), valuesFor(sa), valuesFor(sb))),
          ),
        ([sa, sb, va, vb]) => {
          const a = make(sa, va);
          const b = make(sb, vb);
          const out = ops.matmul(a, b);
          const expected = refMatmul(ref(a), ref(b));
          expect(out.shape).toEqual(expected.shape);
          assertClose(out.dataSync(), expected.data, TOLERANCE.accumulation, `matmul [${sa}] @ [${sb}]`);
        },
      ),
      RUNS,
    );
  });
});
