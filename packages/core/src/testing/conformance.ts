import { OPTIONAL_KERNELS, type Backend, type OptionalKernel } from '../backend/backend';
import { AutogradError, BackendError, DisposedError, ShapeError, ValueError } from '../errors';
import { noGrad } from '../autograd/grad-mode';
import { grad } from '../autograd/functional';
import { scope } from '../memory';
import { Generator } from '../random';
import { tensor, uniform } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import * as ops from '../ops';
import { gruStepBackwardComposed, gruStepComposed, lstmStepBackwardComposed, lstmStepComposed } from '../recurrent/steps';
import { GRU_CELL, GRU_RESET_BEFORE_CELL, LSTM_CELL, type RecurrentCell } from '../recurrent/cells';
import { recurrentLayer, recurrentLayerReference, type RecurrentLayerResult } from '../recurrent/recurrent-layer';
import { gradcheck } from './gradcheck';
import {
  Float64Tensor,
  erf64,
  refConcat,
  refGather,
  refMap,
  refMatmul,
  refPermute,
  refReduce,
  refReshape,
  refSlice,
  refZip,
} from './reference';
import { TOLERANCE, assertClose, type Tolerance } from './tolerance';

/** One named check of the conformance suite. */
export interface ConformanceCase {
  /** The op family or concern, e.g. `unary`, `autograd`, `errors`. */
  readonly group: string;
  readonly name: string;
  /**
   * Set when the backend under test cannot run this case: the reason, to report the case as skipped
   * (never as passed). `run` then throws, so that a runner which ignores `skip` fails loudly.
   */
  readonly skip?: string;
  run(): void | Promise<void>;
}

/** Options of {@link conformanceCases}. */
export interface ConformanceOptions {
  /**
   * Added to every forward comparison's tolerance, for backends whose arithmetic differs from IEEE
   * float32 (GPU shaders). @defaultValue `{ atol: 0, rtol: 0 }`
   */
  extraTolerance?: Tolerance;
  /** Length of the deep-graph test. @defaultValue 100000 */
  deepChainLength?: number;
  /**
   * The optional kernels of the `Backend` contract the backend implements. Their cases run; a case
   * that needs only kernels the backend does not declare is skipped with the reason. A declared
   * kernel the backend lacks fails, and so does an implemented kernel left undeclared (core would
   * run it untested). @defaultValue `[]`
   */
  kernels?: readonly OptionalKernel[];
}

type Domain = 'any' | 'positive' | 'awayFromZero' | 'unit' | 'integers';

interface InputSpec {
  readonly shape: readonly number[];
  readonly domain?: Domain;
}

interface OpSpec {
  readonly group: string;
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly fn: (...t: Tensor[]) => Tensor;
  readonly ref: (...r: Float64Tensor[]) => Float64Tensor;
  readonly tolerance?: Tolerance;
  /** Check gradients (default true when every input is non-empty). */
  readonly grad?: boolean;
  readonly gradInputs?: readonly number[];
  /** Fixed input values instead of random ones. */
  readonly values?: readonly (readonly number[])[];
}

function sample(generator: Generator, n: number, domain: Domain): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = generator.nextFloat();
    switch (domain) {
      case 'positive':
        out[i] = 0.5 + 1.5 * u;
        break;
      case 'awayFromZero':
        out[i] = (generator.nextFloat() < 0.5 ? -1 : 1) * (0.3 + 1.7 * u);
        break;
      case 'unit':
        out[i] = -0.9 + 1.8 * u;
        break;
      case 'integers':
        out[i] = Math.floor(u * 3) - 1;
        break;
      default:
        out[i] = -2 + 4 * u;
    }
  }
  return out;
}

const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const widen = (t: Tolerance, extra: Tolerance): Tolerance => ({ atol: t.atol + extra.atol, rtol: t.rtol + extra.rtol });

const sigmoid64 = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const softplus64 = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const gelu64 = (v: number): number => 0.5 * v * (1 + erf64(v / Math.SQRT2));
const lse64 = (x: Float64Tensor, axis: number): Float64Tensor => {
  const m = refReduce(x, [axis], true, -Infinity, Math.max);
  const shift = refMap(m, (v) => (Number.isFinite(v) ? v : 0));
  const s = refReduce(refZip([x, shift], (a, b) => Math.exp(a - b)), [axis], true, 0, (a, b) => a + b);
  return refZip([s, shift], (a, b) => Math.log(a) + b);
};

function unarySpecs(): OpSpec[] {
  const table: [string, (t: Tensor) => Tensor, (v: number) => number, Domain, boolean][] = [
    ['neg', ops.neg, (v) => -v, 'any', true],
    ['abs', ops.abs, Math.abs, 'awayFromZero', true],
    ['sign', ops.sign, Math.sign, 'awayFromZero', false],
    ['exp', ops.exp, Math.exp, 'any', true],
    ['log', ops.log, Math.log, 'positive', true],
    ['log1p', ops.log1p, Math.log1p, 'unit', true],
    ['sqrt', ops.sqrt, Math.sqrt, 'positive', true],
    ['reciprocal', ops.reciprocal, (v) => 1 / v, 'awayFromZero', true],
    ['square', ops.square, (v) => v * v, 'any', true],
    ['sigmoid', ops.sigmoid, sigmoid64, 'any', true],
    ['tanh', ops.tanh, Math.tanh, 'any', true],
    ['relu', ops.relu, (v) => Math.max(v, 0), 'awayFromZero', true],
    ['gelu', ops.gelu, gelu64, 'any', true],
    ['erf', ops.erf, erf64, 'any', true],
    ['softplus', ops.softplus, softplus64, 'any', true],
    ['logSigmoid', ops.logSigmoid, (v) => -softplus64(-v), 'any', true],
  ];
  const specs: OpSpec[] = [];
  for (const [name, fn, f64, domain, hasGrad] of table) {
    for (const shape of [[3, 4], [], [0, 3]]) {
      specs.push({
        group: 'unary',
        name: `${name} ${JSON.stringify(shape)}`,
        inputs: [{ shape, domain }],
        fn,
        ref: (x) => refMap(x, f64),
        grad: hasGrad && sizeOfShape(shape) > 0,
        tolerance: name === 'softplus' || name === 'logSigmoid' ? TOLERANCE.accumulation : TOLERANCE.elementwise,
      });
    }
  }
  const extremes = [-1e4, -100, -20, -1, 0, 1, 20, 100, 1e4];
  for (const [name, fn, f64] of [
    ['sigmoid', ops.sigmoid, sigmoid64],
    ['tanh', ops.tanh, Math.tanh],
    ['softplus', ops.softplus, softplus64],
    ['logSigmoid', ops.logSigmoid, (v: number) => -softplus64(-v)],
    ['gelu', ops.gelu, gelu64],
    ['erf', ops.erf, erf64],
  ] as const) {
    specs.push({
      group: 'stability',
      name: `${name} at extreme inputs is finite and accurate`,
      inputs: [{ shape: [extremes.length] }],
      values: [extremes],
      fn,
      ref: (x) => refMap(x, f64),
      grad: false,
      tolerance: TOLERANCE.elementwise,
    });
  }
  return specs;
}

function binarySpecs(): OpSpec[] {
  const table: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number, Domain, Domain][] = [
    ['add', ops.add, (a, b) => a + b, 'any', 'any'],
    ['sub', ops.sub, (a, b) => a - b, 'any', 'any'],
    ['mul', ops.mul, (a, b) => a * b, 'any', 'any'],
    ['div', ops.div, (a, b) => a / b, 'any', 'awayFromZero'],
    ['pow', ops.pow, (a, b) => Math.pow(a, b), 'positive', 'any'],
    ['maximum', ops.maximum, Math.max, 'any', 'any'],
    ['minimum', ops.minimum, Math.min, 'any', 'any'],
  ];
  const shapes: [number[], number[]][] = [
    [[3, 4], [3, 4]],
    [[3, 1], [1, 4]],
    [[2, 3, 4], [4]],
    [[], [2, 3]],
    [[2, 1, 4], [3, 1]],
    [[0, 3], [1, 3]],
  ];
  const specs: OpSpec[] = [];
  for (const [name, fn, f64, da, db] of table) {
    for (const [sa, sb] of shapes) {
      specs.push({
        group: 'binary',
        name: `${name} ${JSON.stringify(sa)} ⊕ ${JSON.stringify(sb)}`,
        inputs: [{ shape: sa, domain: da }, { shape: sb, domain: db }],
        fn,
        ref: (a, b) => refZip([a, b], f64),
        grad: sizeOfShape(sa) > 0 && sizeOfShape(sb) > 0,
      });
    }
  }
  const scalars: [string, (t: Tensor) => Tensor, (v: number) => number, Domain][] = [
    ['x + 2', (t) => ops.add(t, 2), (v) => v + 2, 'any'],
    ['2 − x', (t) => ops.sub(2, t), (v) => 2 - v, 'any'],
    ['x · 3', (t) => ops.mul(t, 3), (v) => v * 3, 'any'],
    ['3 / x', (t) => ops.div(3, t), (v) => 3 / v, 'awayFromZero'],
    ['x / 4', (t) => ops.div(t, 4), (v) => v / 4, 'any'],
    ['x ^ 3', (t) => ops.pow(t, 3), (v) => v ** 3, 'any'],
    ['x ^ 0.5', (t) => ops.pow(t, 0.5), (v) => Math.sqrt(v), 'positive'],
    ['2 ^ x', (t) => ops.pow(2, t), (v) => 2 ** v, 'any'],
    ['maximum(x, 0.3)', (t) => ops.maximum(t, 0.3), (v) => Math.max(v, 0.3), 'any'],
    ['minimum(x, −0.2)', (t) => ops.minimum(t, -0.2), (v) => Math.min(v, -0.2), 'any'],
  ];
  for (const [name, fn, f64, domain] of scalars) {
    specs.push({ group: 'binary-scalar', name, inputs: [{ shape: [3, 4], domain }], fn, ref: (x) => refMap(x, f64) });
  }
  const compares: [string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => boolean][] = [
    ['eq', ops.eq, (a, b) => a === b],
    ['ne', ops.ne, (a, b) => a !== b],
    ['lt', ops.lt, (a, b) => a < b],
    ['le', ops.le, (a, b) => a <= b],
    ['gt', ops.gt, (a, b) => a > b],
    ['ge', ops.ge, (a, b) => a >= b],
  ];
  for (const [name, fn, f64] of compares) {
    specs.push({
      group: 'compare',
      name: `${name} with broadcasting`,
      inputs: [{ shape: [4, 1], domain: 'integers' }, { shape: [5], domain: 'integers' }],
      fn,
      ref: (a, b) => refZip([a, b], (x, y) => (f64(x, y) ? 1 : 0)),
      grad: false,
      tolerance: TOLERANCE.exact,
    });
  }
  specs.push({
    group: 'where',
    name: 'where broadcasts condition, a and b',
    inputs: [{ shape: [3, 1], domain: 'integers' }, { shape: [3, 4] }, { shape: [4] }],
    fn: (c, a, b) => ops.where(c, a, b),
    ref: (c, a, b) => refZip([c, a, b], (x, y, z) => (x !== 0 ? y : z)),
    gradInputs: [1, 2],
    tolerance: TOLERANCE.exact,
  });
  return specs;
}

function reduceSpecs(): OpSpec[] {
  const specs: OpSpec[] = [];
  const axesList: (number | number[] | undefined)[] = [undefined, 0, 1, [0, 2], -1, []];
  const table: [string, (t: Tensor, a: number | number[] | undefined, k: boolean) => Tensor, number, (acc: number, v: number) => number, boolean][] = [
    ['sum', (t, a, k) => ops.sum(t, a, k), 0, (acc, v) => acc + v, false],
    ['max', (t, a, k) => ops.max(t, a, k), -Infinity, Math.max, false],
    ['min', (t, a, k) => ops.min(t, a, k), Infinity, Math.min, false],
    ['mean', (t, a, k) => ops.mean(t, a, k), 0, (acc, v) => acc + v, true],
  ];
  for (const [name, fn, init, f64, isMean] of table) {
    for (const axes of axesList) {
      for (const keepDims of [false, true]) {
        const shape = [2, 3, 4];
        const list = axes === undefined ? [0, 1, 2] : typeof axes === 'number' ? [axes] : axes;
        specs.push({
          group: 'reduce',
          name: `${name} axes=${JSON.stringify(axes)} keepDims=${keepDims}`,
          inputs: [{ shape }],
          fn: (t) => fn(t, axes, keepDims),
          ref: (x) => {
            const r = refReduce(x, list, keepDims, init, f64);
            const count = list.reduce((n, a) => n * shape[a < 0 ? a + 3 : a], 1);
            return isMean ? refMap(r, (v) => v / count) : r;
          },
          tolerance: TOLERANCE.accumulation,
        });
      }
    }
  }
  specs.push({
    group: 'reduce',
    name: 'sum over a size-0 axis gives zeros',
    inputs: [{ shape: [0, 3] }],
    fn: (t) => ops.sum(t, 0),
    ref: (x) => refReduce(x, [0], false, 0, (a, b) => a + b),
    grad: false,
    tolerance: TOLERANCE.exact,
  });
  specs.push({
    group: 'reduce',
    name: 'max over a size-0 axis gives −∞',
    inputs: [{ shape: [3, 0] }],
    fn: (t) => ops.max(t, 1),
    ref: (x) => refReduce(x, [1], false, -Infinity, Math.max),
    grad: false,
    tolerance: TOLERANCE.exact,
  });
  const rows = [1000, 1000, -1000, -Infinity, -Infinity, -Infinity, 0.5, -3, 88, 1e-3, -1e-3, 0];
  specs.push({
    group: 'stability',
    name: 'logSumExp of huge, −∞ and ordinary rows',
    inputs: [{ shape: [4, 3] }],
    values: [rows],
    fn: (t) => ops.logSumExp(t, 1),
    ref: (x) => refReshape(lse64(x, 1), [4]),
    grad: false,
    tolerance: TOLERANCE.accumulation,
  });
  specs.push({
    group: 'stability',
    name: 'softmax of huge rows',
    inputs: [{ shape: [2, 3] }],
    values: [[1000, 1000, -1000, 0.5, -3, 88]],
    fn: (t) => ops.softmax(t, 1),
    ref: (x) => refZip([x, lse64(x, 1)], (a, b) => Math.exp(a - b)),
    grad: false,
    tolerance: TOLERANCE.accumulation,
  });
  for (const axis of [1, 0]) {
    specs.push({
      group: 'softmax',
      name: `logSumExp axis ${axis}`,
      inputs: [{ shape: [3, 4] }],
      fn: (t) => ops.logSumExp(t, axis),
      ref: (x) => refReshape(lse64(x, axis), axis === 1 ? [3] : [4]),
      tolerance: TOLERANCE.accumulation,
    });
    specs.push({
      group: 'softmax',
      name: `softmax axis ${axis}`,
      inputs: [{ shape: [3, 4] }],
      fn: (t) => ops.softmax(t, axis),
      ref: (x) => refZip([x, lse64(x, axis)], (a, b) => Math.exp(a - b)),
      tolerance: TOLERANCE.accumulation,
    });
    specs.push({
      group: 'softmax',
      name: `logSoftmax axis ${axis}`,
      inputs: [{ shape: [3, 4] }],
      fn: (t) => ops.logSoftmax(t, axis),
      ref: (x) => refZip([x, lse64(x, axis)], (a, b) => a - b),
      tolerance: TOLERANCE.accumulation,
    });
  }
  return specs;
}

function transposeLast(x: Float64Tensor): Float64Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return refPermute(x, perm);
}

function matmulSpecs(): OpSpec[] {
  const specs: OpSpec[] = [];
  const cases: [number[], number[]][] = [
    [[3, 4], [4, 5]],
    [[2, 3, 4], [4, 5]],
    [[2, 1, 3, 4], [5, 4, 2]],
    [[1, 1], [1, 1]],
    [[7, 9], [9, 11]],
    [[0, 4], [4, 3]],
    [[3, 0], [0, 2]],
  ];
  for (const [sa, sb] of cases) {
    specs.push({
      group: 'matmul',
      name: `matmul ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`,
      inputs: [{ shape: sa }, { shape: sb }],
      fn: ops.matmul,
      ref: refMatmul,
      grad: sizeOfShape(sa) > 0 && sizeOfShape(sb) > 0,
      tolerance: TOLERANCE.accumulation,
    });
  }
  const vectorCases: [number[], number[], (a: Float64Tensor, b: Float64Tensor) => Float64Tensor][] = [
    [[4], [4, 5], (a, b) => refReshape(refMatmul(refReshape(a, [1, 4]), b), [5])],
    [[3, 4], [4], (a, b) => refReshape(refMatmul(a, refReshape(b, [4, 1])), [3])],
    [[4], [4], (a, b) => refReshape(refMatmul(refReshape(a, [1, 4]), refReshape(b, [4, 1])), [])],
    [[2, 3, 4], [4], (a, b) => refReshape(refMatmul(a, refReshape(b, [4, 1])), [2, 3])],
  ];
  for (const [sa, sb, ref] of vectorCases) {
    specs.push({
      group: 'matmul',
      name: `matmul with vectors ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`,
      inputs: [{ shape: sa }, { shape: sb }],
      fn: ops.matmul,
      ref,
      tolerance: TOLERANCE.accumulation,
    });
  }
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const sa = ta ? [2, 4, 3] : [2, 3, 4];
      const sb = tb ? [5, 4] : [4, 5];
      specs.push({
        group: 'matmul',
        name: `matmulTransposed transposeA=${ta} transposeB=${tb}`,
        inputs: [{ shape: sa }, { shape: sb }],
        fn: (a, b) => ops.matmulTransposed(a, b, ta, tb),
        ref: (a, b) => refMatmul(ta ? transposeLast(a) : a, tb ? transposeLast(b) : b),
        tolerance: TOLERANCE.accumulation,
      });
    }
  }
  return specs;
}

function shapeSpecs(): OpSpec[] {
  const exact = TOLERANCE.exact;
  return [
    { group: 'shape', name: 'reshape with -1', inputs: [{ shape: [2, 3, 4] }], fn: (t) => ops.reshape(t, [6, -1]), ref: (x) => refReshape(x, [6, 4]), tolerance: exact },
    { group: 'shape', name: 'flatten axes 1..2', inputs: [{ shape: [2, 3, 4] }], fn: (t) => ops.flatten(t, 1), ref: (x) => refReshape(x, [2, 12]), tolerance: exact },
    { group: 'shape', name: 'squeeze and unsqueeze', inputs: [{ shape: [2, 1, 3] }], fn: (t) => ops.unsqueeze(ops.squeeze(t, 1), 0), ref: (x) => refReshape(x, [1, 2, 3]), tolerance: exact },
    { group: 'shape', name: 'permute rank 4', inputs: [{ shape: [2, 3, 4, 5] }], fn: (t) => ops.permute(t, [2, 0, 3, 1]), ref: (x) => refPermute(x, [2, 0, 3, 1]), tolerance: exact },
    { group: 'shape', name: 'transpose axes 0 and 2', inputs: [{ shape: [2, 3, 4] }], fn: (t) => ops.transpose(t, 0, 2), ref: (x) => refPermute(x, [2, 1, 0]), tolerance: exact },
    { group: 'shape', name: 'slice with -1 size', inputs: [{ shape: [4, 5] }], fn: (t) => ops.slice(t, [1, 2], [2, -1]), ref: (x) => refSlice(x, [1, 2], [2, 3]), tolerance: exact },
    { group: 'shape', name: 'slice with negative begin', inputs: [{ shape: [4, 5, 2] }], fn: (t) => ops.slice(t, [-2, 0, 1], [2, 5, 1]), ref: (x) => refSlice(x, [2, 0, 1], [2, 5, 1]), tolerance: exact },
    { group: 'shape', name: 'slice to size 0', inputs: [{ shape: [4, 5] }], fn: (t) => ops.slice(t, [1, 0], [0, 5]), ref: (x) => refSlice(x, [1, 0], [0, 5]), grad: false, tolerance: exact },
    {
      group: 'shape',
      name: 'pad',
      inputs: [{ shape: [2, 3] }],
      fn: (t) => ops.pad(t, [[1, 0], [2, 1]]),
      ref: (x) => {
        const out = new Float64Tensor([3, 6], new Float64Array(18));
        for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) out.data[(i + 1) * 6 + j + 2] = x.data[i * 3 + j];
        return out;
      },
      tolerance: exact,
    },
    {
      group: 'shape',
      name: 'concat three tensors on axis 1',
      inputs: [{ shape: [2, 1, 3] }, { shape: [2, 4, 3] }, { shape: [2, 2, 3] }],
      fn: (a, b, c) => ops.concat([a, b, c], 1),
      ref: (a, b, c) => refConcat([a, b, c], 1),
      tolerance: exact,
    },
    {
      group: 'shape',
      name: 'stack on axis 1',
      inputs: [{ shape: [2, 3] }, { shape: [2, 3] }],
      fn: (a, b) => ops.stack([a, b], 1),
      ref: (a, b) => refConcat([refReshape(a, [2, 1, 3]), refReshape(b, [2, 1, 3])], 1),
      tolerance: exact,
    },
    {
      group: 'shape',
      name: 'split and re-join in reverse order',
      inputs: [{ shape: [2, 5] }],
      fn: (t) => ops.concat(ops.split(t, [2, 3], 1).reverse(), 1),
      ref: (x) => refConcat([refSlice(x, [0, 2], [2, 3]), refSlice(x, [0, 0], [2, 2])], 1),
      tolerance: exact,
    },
    {
      group: 'shape',
      name: 'chunk into uneven pieces',
      inputs: [{ shape: [7, 2] }],
      fn: (t) => ops.concat(ops.chunk(t, 3, 0).reverse(), 0),
      ref: (x) => refConcat([refSlice(x, [6, 0], [1, 2]), refSlice(x, [3, 0], [3, 2]), refSlice(x, [0, 0], [3, 2])], 0),
      tolerance: exact,
    },
    {
      group: 'shape',
      name: 'broadcastTo',
      inputs: [{ shape: [3, 1] }],
      fn: (t) => ops.broadcastTo(t, [2, 3, 4]),
      ref: (x) => refZip([x, new Float64Tensor([2, 3, 4], new Float64Array(24))], (a) => a),
      tolerance: exact,
    },
    {
      group: 'indexing',
      name: 'indexSelect axis 0 with repeated indices',
      inputs: [{ shape: [3, 4] }],
      fn: (t) => ops.indexSelect(t, 0, [2, 0, 2]),
      ref: (x) => refGather(x, [2, 0, 2], 0),
      tolerance: exact,
    },
    {
      group: 'indexing',
      name: 'indexSelect axis 1 of a rank-3 tensor',
      inputs: [{ shape: [2, 3, 4] }],
      fn: (t) => ops.indexSelect(t, 1, Int32Array.of(1, 1, 0, 2)),
      ref: (x) => refGather(x, [1, 1, 0, 2], 1),
      tolerance: exact,
    },
    {
      group: 'indexing',
      name: 'clamp',
      inputs: [{ shape: [3, 4] }],
      values: [[-1.7, -1.2, -0.8, -0.3, -0.1, 0.2, 0.45, 0.7, 0.9, 1.1, 1.6, 1.9]],
      fn: (t) => ops.clamp(t, -1, 1),
      ref: (x) => refMap(x, (v) => Math.min(Math.max(v, -1), 1)),
      tolerance: exact,
    },
  ];
}

// ---- recurrent steps, against a float64 reference --------------------------------------------

function gruStep64(gx: number[], gh: number[], h: number[], B: number, H: number): { h: number[]; saved: number[] } {
  const hOut: number[] = [];
  const saved: number[] = new Array(B * 4 * H);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g = (s: number[], k: number) => s[b * 3 * H + k * H + j];
      const r = sigmoid64(g(gx, 0) + g(gh, 0));
      const z = sigmoid64(g(gx, 1) + g(gh, 1));
      const n = Math.tanh(g(gx, 2) + r * g(gh, 2));
      hOut.push((1 - z) * n + z * h[b * H + j]);
      const o = b * 4 * H + j;
      saved[o] = r;
      saved[o + H] = z;
      saved[o + 2 * H] = n;
      saved[o + 3 * H] = g(gh, 2);
    }
  }
  return { h: hOut, saved };
}

function lstmStep64(gx: number[], gh: number[], c: number[], B: number, H: number): { h: number[]; c: number[] } {
  const hOut: number[] = [];
  const cOut: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < H; j++) {
      const g = (k: number) => gx[b * 4 * H + k * H + j] + gh[b * 4 * H + k * H + j];
      const [i, f, gg, o] = [sigmoid64(g(0)), sigmoid64(g(1)), Math.tanh(g(2)), sigmoid64(g(3))];
      const cn = f * c[b * H + j] + i * gg;
      cOut.push(cn);
      hOut.push(o * Math.tanh(cn));
    }
  }
  return { h: hOut, c: cOut };
}

/** Central difference of a scalar float64 function of one flat vector. */
function numericGrad(values: number[], f: (v: number[]) => number): number[] {
  const eps = 1e-6;
  return values.map((_, i) => {
    const p = values.slice();
    p[i] += eps;
    const fp = f(p);
    p[i] -= 2 * eps;
    return (fp - f(p)) / (2 * eps);
  });
}

function recurrentCases(getBackend: () => Backend, extra: Tolerance, kernels: readonly OptionalKernel[]): ConformanceCase[] {
  const B = 3;
  const H = 4;
  const gen = new Generator(77);
  const rnd = (n: number, scale = 1.5) => Array.from(sample(gen, n, 'any'), (v) => v * (scale / 2));
  const gx = rnd(B * 3 * H);
  const gh = rnd(B * 3 * H);
  const h = rnd(B * H, 1);
  const dh = rnd(B * H, 1);
  const lgx = rnd(B * 4 * H);
  const lgh = rnd(B * 4 * H);
  const c = rnd(B * H, 1);
  const ldh = rnd(B * H, 1);
  const ldc = rnd(B * H, 1);
  const tol = widen(TOLERANCE.accumulation, extra);
  const up = (backend: Backend, v: number[]) => backend.upload(Float32Array.from(v));
  const read = (backend: Backend, s: unknown) => {
    const out = backend.readSync(s);
    backend.dispose(s);
    return out;
  };

  const gruReference = gruStep64(gx, gh, h, B, H);
  // Gradients of L = Σ dh ⊙ h'(gx, gh, h) in float64.
  const gruLoss = (gxv: number[], ghv: number[], hv: number[]) => gruStep64(gxv, ghv, hv, B, H).h.reduce((s, v, i) => s + v * dh[i], 0);
  const dgx64 = numericGrad(gx, (v) => gruLoss(v, gh, h));
  const dgh64 = numericGrad(gh, (v) => gruLoss(gx, v, h));
  const dhTotal64 = numericGrad(h, (v) => gruLoss(gx, gh, v));
  const lstmLoss = (gxv: number[], cv: number[]) => {
    const r = lstmStep64(gxv, lgh, cv, B, H);
    return r.h.reduce((s, v, i) => s + v * ldh[i], 0) + r.c.reduce((s, v, i) => s + v * ldc[i], 0);
  };
  const dgates64 = numericGrad(lgx, (v) => lstmLoss(v, c));
  const dcPrev64 = numericGrad(c, (v) => lstmLoss(lgx, v));
  const lstmReference = lstmStep64(lgx, lgh, c, B, H);

  const declared = new Set(kernels);
  const cases: ConformanceCase[] = [];
  /**
   * A step case over `names`: `composed` runs core's composed steps; `fused` calls every declared
   * kernel of `names` on the backend (core's composed step for the others, which the contract allows:
   * the saved layouts interoperate) and is skipped when none is declared.
   */
  const stepCase = (
    family: 'GRU' | 'LSTM',
    variant: 'composed' | 'fused',
    names: readonly OptionalKernel[],
    check: (backend: Backend, use: (name: OptionalKernel) => boolean) => void,
  ): ConformanceCase => {
    const used = variant === 'fused' ? names.filter((n) => declared.has(n)) : [];
    const skip =
      variant === 'fused' && used.length === 0
        ? `the backend declares none of the optional kernels ${names.join(', ')} (ConformanceOptions.kernels): core's composed step, checked by the composed case, runs in their place`
        : undefined;
    const name = `${family} step (${variant === 'fused' && used.length > 0 ? `fused ${used.join(', ')}` : variant}) forward and backward against float64`;
    return kernelCase(name, skip, used, getBackend, (backend) => check(backend, (n) => used.includes(n)));
  };
  for (const variant of ['composed', 'fused'] as const) {
    cases.push(
      stepCase('GRU', variant, ['gruStep', 'gruStepBackward'], (backend, use) => {
        const fwd = use('gruStep') ? backend.gruStep!.bind(backend) : (a: Parameters<typeof gruStepComposed>[1]) => gruStepComposed(backend, a);
        const bwd = use('gruStepBackward') ? backend.gruStepBackward!.bind(backend) : (a: Parameters<typeof gruStepBackwardComposed>[1]) => gruStepBackwardComposed(backend, a);
        const hS = up(backend, h);
        const res = fwd({ gx: up(backend, gx), gh: up(backend, gh), h: hS, batch: B, hiddenSize: H });
        assertClose(backend.readSync(res.h), gruReference.h, tol, `gru ${variant} h'`);
        assertClose(backend.readSync(res.saved), gruReference.saved, tol, `gru ${variant} saved`);
        const back = bwd({ dh: up(backend, dh), h: hS, saved: res.saved, batch: B, hiddenSize: H });
        assertClose(read(backend, back.dgx), dgx64, TOLERANCE.gradcheck, `gru ${variant} dgx`);
        assertClose(read(backend, back.dgh), dgh64, TOLERANCE.gradcheck, `gru ${variant} dgh`);
        // dh_total = dhDirect + dgh · W_hh in a layer; here gh is an independent input, so compare the direct part.
        assertClose(read(backend, back.dhDirect), dhTotal64, TOLERANCE.gradcheck, `gru ${variant} dhDirect`);
      }),
      stepCase('LSTM', variant, ['lstmStep', 'lstmStepBackward'], (backend, use) => {
        const fwd = use('lstmStep') ? backend.lstmStep!.bind(backend) : (a: Parameters<typeof lstmStepComposed>[1]) => lstmStepComposed(backend, a);
        const bwd = use('lstmStepBackward') ? backend.lstmStepBackward!.bind(backend) : (a: Parameters<typeof lstmStepBackwardComposed>[1]) => lstmStepBackwardComposed(backend, a);
        const cS = up(backend, c);
        const res = fwd({ gx: up(backend, lgx), gh: up(backend, lgh), c: cS, batch: B, hiddenSize: H });
        assertClose(backend.readSync(res.h), lstmReference.h, tol, `lstm ${variant} h'`);
        assertClose(backend.readSync(res.c), lstmReference.c, tol, `lstm ${variant} c'`);
        const back = bwd({ dh: up(backend, ldh), dc: up(backend, ldc), c: cS, saved: res.saved, batch: B, hiddenSize: H });
        assertClose(read(backend, back.dgates), dgates64, TOLERANCE.gradcheck, `lstm ${variant} dgates`);
        assertClose(read(backend, back.dcPrev), dcPrev64, TOLERANCE.gradcheck, `lstm ${variant} dcPrev`);
      }),
    );
  }
  cases.push(...wholeLayerCases(getBackend, tol, declared));
  cases.push({
    group: 'kernels',
    name: `the backend implements exactly the optional kernels it declares (${kernels.length > 0 ? kernels.join(', ') : 'none'})`,
    run: () => {
      const backend = getBackend();
      const problems: string[] = [];
      for (const n of OPTIONAL_KERNELS) {
        const present = typeof backend[n] === 'function';
        if (declared.has(n) && !present) problems.push(`declares ${n} but has no ${n} method`);
        if (!declared.has(n) && present) problems.push(`implements ${n} but does not declare it in ConformanceOptions.kernels, so its cases would not run`);
      }
      if (problems.length > 0) throw new Error(`backend '${backend.name}': ${problems.join('; ')}`);
    },
  });
  return cases;
}

/**
 * A recurrent case that needs the optional kernels `used`: with `skip` it is skipped (and its run
 * throws, so that a runner ignoring `skip` cannot pass it); otherwise it first fails a backend that
 * declares one of them without having the method, then runs `check`.
 */
function kernelCase(name: string, skip: string | undefined, used: readonly OptionalKernel[], getBackend: () => Backend, check: (backend: Backend) => void): ConformanceCase {
  return {
    group: 'recurrent',
    name,
    skip,
    run: () => {
      if (skip !== undefined) throw new Error(`${name}: skipped: ${skip}`);
      const backend = getBackend();
      for (const n of used) {
        if (typeof backend[n] !== 'function') throw new Error(`${name}: the backend declares the optional kernel ${n} but has no ${n} method`);
      }
      check(backend);
    },
  };
}

/**
 * The whole-layer kernel (`recurrentLayer` / `recurrentLayerBackward`) of each cell, with lengths 4, 2
 * and 0 over 4 steps, against core's op-by-op reference layer: outputs, final states and the
 * gradients of every input. Skipped with the reason when the backend does not declare both kernels.
 */
function wholeLayerCases(getBackend: () => Backend, tol: Tolerance, declared: ReadonlySet<OptionalKernel>): ConformanceCase[] {
  const [T, B, H] = [4, 3, 4];
  const lengths = [4, 2, 0];
  const mask = Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0));
  const cells: [string, RecurrentCell][] = [
    ['GRU', GRU_CELL],
    ['GRU (reset before)', GRU_RESET_BEFORE_CELL],
    ['LSTM', LSTM_CELL],
  ];
  const names: OptionalKernel[] = ['recurrentLayer', 'recurrentLayerBackward'];
  const missing = names.filter((n) => !declared.has(n));
  const skip =
    missing.length > 0 ? `the backend does not declare ${missing.join(', ')} (ConformanceOptions.kernels): core's per-step path runs in its place` : undefined;
  // `gx`: the projection given; `input`: x, W_ih and b_ih given, the projection inside the kernel.
  const forms = ['gx', 'input'] as const;
  const I = 5;
  return cells.flatMap(([label, cell]) =>
    forms.map((form): ConformanceCase => {
      const name = `${label} whole layer (recurrentLayer, recurrentLayerBackward), ${form} form, with lengths against the op-by-op reference`;
      return kernelCase(name, skip, names, getBackend, (backend) => {
        const gen = new Generator(91);
        const G = cell.gateCount;
        const leaf = (shape: number[]) => tensor(sample(gen, shape.reduce((a, b) => a * b, 1), 'any'), shape, { backend, requiresGrad: true });
        const state = { h0: leaf([B, H]), c0: cell.hasCellState ? leaf([B, H]) : null, weightHh: leaf([G * H, H]), biasHh: leaf([G * H]) };
        const gx = form === 'gx' ? leaf([T, B, G * H]) : null;
        const input = form === 'input' ? { x: leaf([T, B, I]), weightIh: leaf([G * H, I]), biasIh: leaf([G * H]) } : null;
        const weights = [leaf([T, B, H]), leaf([B, H]), leaf([B, H])].map((w) => w.detach());
        const all = [
          ...(gx === null ? [] : [gx]),
          ...(input === null ? [] : [input.x, input.weightIh, input.biasIh]),
          state.h0,
          state.weightHh,
          state.biasHh,
          ...(state.c0 === null ? [] : [state.c0]),
        ];
        const run = (layer: typeof recurrentLayer, counted: boolean) => {
          let calls = 0;
          const kernel = backend.recurrentLayer as NonNullable<Backend['recurrentLayer']>;
          if (counted) {
            Object.defineProperty(backend, 'recurrentLayer', {
              configurable: true,
              value: (args: Parameters<typeof kernel>[0]) => {
                calls += 1;
                if ((args.input === null) !== (form === 'gx')) throw new Error(`${name}: the kernel got the ${args.input === null ? 'gx' : 'input'} form`);
                return kernel.call(backend, args);
              },
            });
          }
          try {
            for (const t of all) t.grad = null;
            const r: RecurrentLayerResult = layer(cell, { ...state, ...(gx === null ? {} : { gx }), ...(input === null ? {} : { input }), mask });
            let loss = ops.add(ops.sum(ops.mul(r.output, weights[0])), ops.sum(ops.mul(r.h, weights[1])));
            if (r.c !== null) loss = ops.add(loss, ops.sum(ops.mul(r.c, weights[2])));
            loss.backward();
            if (counted && calls !== 1) throw new Error(`${name}: recurrentLayer ran ${calls} times, expected once`);
            const values = [r.output, r.h, ...(r.c === null ? [] : [r.c])].map((t) => t.dataSync());
            return [...values, ...all.map((t) => (t.grad as Tensor).dataSync())];
          } finally {
            if (counted) delete (backend as { recurrentLayer?: unknown }).recurrentLayer;
          }
        };
        const fast = run(recurrentLayer, true);
        const reference = run(recurrentLayerReference, false);
        fast.forEach((v, i) => assertClose(v, reference[i], tol, `${label} whole layer (${form} form), tensor ${i}`));
      });
    }),
  );
}

// ---- autograd, errors, memory --------------------------------------------------------------

function expectThrow(fn: () => unknown, type: new (...args: never[]) => Error, ...fragments: string[]): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof type)) {
    throw new Error(`expected ${type.name} containing ${JSON.stringify(fragments)}, got ${caught === null ? 'no error' : String(caught)}`);
  }
  for (const f of fragments) {
    if (!caught.message.includes(f)) throw new Error(`expected the ${type.name} message to contain '${f}', got: ${caught.message}`);
  }
}

function behaviourCases(getBackend: () => Backend, createBackend: () => Backend, options: ConformanceOptions): ConformanceCase[] {
  const t = (values: number[], shape?: number[], requiresGrad = false) => tensor(values, shape, { backend: getBackend(), requiresGrad });
  const cases: ConformanceCase[] = [];
  const add = (group: string, name: string, run: () => void | Promise<void>) => cases.push({ group, name, run });

  add('autograd', `a ${options.deepChainLength ?? 100_000}-node chain runs backward without a stack overflow`, () => {
    const n = options.deepChainLength ?? 100_000;
    const x = t([0.5], [1], true);
    let y = x;
    for (let i = 0; i < n; i++) y = ops.mul(y, 1);
    y = ops.add(y, 0);
    y.backward();
    assertClose(x.grad!.dataSync(), [1], TOLERANCE.exact, 'deep chain gradient');
  });
  add('autograd', 'gradients accumulate over two backward passes and zeroGrad clears them', () => {
    const x = t([1, 2, 3], [3], true);
    const y = ops.sum(ops.mul(x, x));
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assertClose(x.grad!.dataSync(), [4, 8, 12], TOLERANCE.exact, 'accumulated gradient');
    x.zeroGrad();
    if (x.grad !== null) throw new Error('zeroGrad left a gradient');
  });
  add('autograd', 'a diamond-shaped graph sums both paths', () => {
    const x = t([3], [1], true);
    const a = ops.mul(x, 2);
    const y = ops.add(ops.mul(a, x), ops.exp(ops.mul(a, 0)));
    y.backward();
    assertClose(x.grad!.dataSync(), [12], TOLERANCE.elementwise, 'diamond gradient');
  });
  add('autograd', 'backward through a freed graph throws AutogradError', () => {
    const x = t([1, 2], [2], true);
    const y = ops.sum(ops.exp(x));
    y.backward();
    expectThrow(() => y.backward(), AutogradError, 'second time', 'retainGraph');
  });
  add('autograd', 'a non-scalar root needs gradOutput of its shape', () => {
    const x = t([1, 2], [2], true);
    const y = ops.mul(x, 3);
    expectThrow(() => y.backward(), AutogradError, 'non-scalar', '[2]');
    expectThrow(() => y.backward(t([1, 1, 1], [3])), ShapeError, 'backward', '[2]', '[3]');
    y.backward(t([1, -1], [2]));
    assertClose(x.grad!.dataSync(), [3, -3], TOLERANCE.exact, 'gradOutput');
  });
  add('autograd', 'noGrad records nothing; detach cuts the graph', () => {
    const x = t([1, 2], [2], true);
    const y = noGrad(() => ops.mul(x, 2));
    if (y.requiresGrad || y.gradNode !== null) throw new Error('noGrad result requires grad');
    const d = ops.mul(x, 2).detach();
    if (d.requiresGrad) throw new Error('detached tensor requires grad');
  });
  add('autograd', 'only leaves keep .grad unless retainGrad is called', () => {
    const x = t([1, 2], [2], true);
    const mid = ops.mul(x, 2);
    const kept = ops.mul(x, 3).retainGrad();
    ops.sum(ops.add(ops.mul(mid, mid), kept)).backward();
    if (mid.grad !== null) throw new Error('non-leaf kept a gradient');
    assertClose(kept.grad!.dataSync(), [1, 1], TOLERANCE.exact, 'retained gradient');
    assertClose(x.grad!.dataSync(), [11, 19], TOLERANCE.exact, 'leaf gradient');
  });
  add('autograd', 'grad() returns gradients without touching the inputs', () => {
    const x = t([1, 2, 3], [3]);
    const [g] = grad((v: Tensor) => ops.sum(ops.mul(v, v)))(x);
    assertClose(g.dataSync(), [2, 4, 6], TOLERANCE.exact, 'functional gradient');
    if (x.grad !== null) throw new Error('grad() wrote to the input');
  });

  add('errors', 'ShapeError names the op, the expectation and what came', () => {
    expectThrow(() => ops.add(t([1, 2, 3, 4, 5, 6], [2, 3]), t([1, 2, 3, 4], [4])), ShapeError, 'add', '[2, 3]', '[4]');
    expectThrow(() => ops.matmul(t([1, 2, 3, 4, 5, 6], [2, 3]), t([1, 2, 3, 4], [2, 2])), ShapeError, 'matmul', '[2, 3]', '[2, 2]');
    expectThrow(() => ops.reshape(t([1, 2, 3], [3]), [2, 2]), ShapeError, 'reshape', '[3]', '[2, 2]');
    expectThrow(() => ops.concat([t([1, 2], [1, 2]), t([1, 2, 3], [1, 3])], 0), ShapeError, 'concat', '[1, 3]');
    expectThrow(() => ops.permute(t([1, 2], [1, 2]), [0]), ShapeError, 'permute', '[1, 2]');
    expectThrow(() => ops.matmul(t([1], []), t([1], [1])), ShapeError, 'matmul');
    expectThrow(() => tensor([[1, 2], [3]], undefined, { backend: getBackend() }), ShapeError, 'ragged');
  });
  add('errors', 'ValueError for bad axes, indices and arguments', () => {
    expectThrow(() => ops.sum(t([1, 2], [2]), 3), ValueError, 'sum', 'axis', '3');
    expectThrow(() => ops.indexSelect(t([1, 2], [2]), 0, [0, 2]), ValueError, 'indexSelect', '2', '[0, 1]');
    expectThrow(() => ops.indexSelect(t([1, 2], [2]), 0, [0.5]), ValueError, 'indexSelect');
    expectThrow(() => ops.slice(t([1, 2], [2]), [1], [2]), ValueError, 'slice');
    expectThrow(() => ops.clamp(t([1], [1]), 2, 1), ValueError, 'clamp');
    expectThrow(() => ops.clamp(t([1], [1]), Number.NaN), ValueError, 'clamp', 'NaN');
  });
  add('errors', 'tensors from two backends do not mix', () => {
    const other = createBackend();
    const a = t([1], [1]);
    const b = tensor([1], [1], { backend: other });
    expectThrow(() => ops.add(a, b), BackendError, 'add', 'one backend');
  });
  add('errors', 'a disposed tensor throws DisposedError when used', () => {
    const a = t([1, 2], [2]);
    a.dispose();
    a.dispose();
    expectThrow(() => ops.exp(a), DisposedError, 'exp', 'disposed');
    expectThrow(() => a.dataSync(), DisposedError, 'disposed');
  });

  add('memory', 'dispose and scope return storage to the backend', () => {
    const backend = getBackend();
    const before = backend.memory().liveStorages;
    const kept = scope(() => {
      const x = t([1, 2, 3], [3], true);
      const y = ops.sum(ops.mul(ops.exp(x), 2));
      y.backward();
      return ops.mul(x.grad!, 1);
    });
    const during = backend.memory().liveStorages;
    if (during !== before + 1) throw new Error(`scope kept ${during - before} storages, expected only the returned one`);
    kept.dispose();
    const after = backend.memory().liveStorages;
    if (after !== before) throw new Error(`${after - before} storages leaked after dispose`);
  });
  add('memory', 'reshape views share storage and free it with the last view', () => {
    const backend = getBackend();
    const before = backend.memory().liveStorages;
    const a = t([1, 2, 3, 4], [4]);
    const b = ops.reshape(a, [2, 2]);
    a.dispose();
    assertClose(b.dataSync(), [1, 2, 3, 4], TOLERANCE.exact, 'view after source disposed');
    b.dispose();
    if (backend.memory().liveStorages !== before) throw new Error('view storage leaked');
  });
  add('random', 'manualSeed-style generators give identical values on every call and backend', () => {
    const a = uniform([5], -1, 1, { backend: getBackend(), generator: new Generator(9) }).dataSync();
    const b = uniform([5], -1, 1, { backend: createBackend(), generator: new Generator(9) }).dataSync();
    assertClose(a, b, TOLERANCE.exact, 'seeded uniform');
    for (const v of a) if (v < -1 || v >= 1) throw new Error(`uniform value ${v} outside [-1, 1)`);
  });
  return cases;
}

/**
 * The backend conformance suite: forward values of every primitive and op against a float64
 * reference (broadcasting, size-0 and size-1 dims included), a finite-difference gradient check of
 * every differentiable op, the optional fused recurrent kernels the backend declares
 * ({@link ConformanceOptions.kernels}) and their composed defaults,
 * autograd behaviour, typed errors and memory accounting.
 *
 * It is framework-agnostic: run each case with your test runner, and report a case that carries a
 * {@link ConformanceCase.skip} reason as skipped with that reason (its `run` throws).
 *
 * @example
 * ```ts
 * import { conformanceCases } from '@gated/core/testing';
 * const cases = conformanceCases(() => new CpuBackend(), { kernels: ['gruStep', 'gruStepBackward'] });
 * for (const c of cases) it(`${c.group}: ${c.name}`, { skip: c.skip !== undefined, meta: { skipReason: c.skip } }, () => c.run());
 * ```
 */
export function conformanceCases(createBackend: () => Backend, options: ConformanceOptions = {}): ConformanceCase[] {
  let backend: Backend | null = null;
  const getBackend = () => (backend ??= createBackend());
  const extra = options.extraTolerance ?? { atol: 0, rtol: 0 };
  const kernels = options.kernels ?? [];
  for (const k of kernels) {
    if (!OPTIONAL_KERNELS.includes(k)) {
      throw new ValueError(`conformanceCases: kernels lists '${String(k)}', which is not an optional kernel of the Backend contract (expected some of ${OPTIONAL_KERNELS.join(', ')})`);
    }
  }
  const specs = [...unarySpecs(), ...binarySpecs(), ...reduceSpecs(), ...matmulSpecs(), ...shapeSpecs()];
  const opCases = specs.map<ConformanceCase>((spec, index) => ({
    group: spec.group,
    name: spec.name,
    run: async () => {
      const b = getBackend();
      const generator = new Generator(1000 + index);
      const inputs = spec.inputs.map((input, i) => {
        const values = spec.values?.[i] ? Float32Array.from(spec.values[i]) : sample(generator, sizeOfShape(input.shape), input.domain ?? 'any');
        return tensor(values, input.shape, { backend: b });
      });
      const expected = spec.ref(...inputs.map((x) => new Float64Tensor(x.shape, Float64Array.from(x.dataSync()))));
      const out = spec.fn(...inputs);
      if (out.shape.join(',') !== expected.shape.join(',') || out.rank !== expected.shape.length) {
        throw new Error(`${spec.name}: expected shape [${expected.shape.join(', ')}], got [${out.shape.join(', ')}]`);
      }
      assertClose(await out.data(), expected.data, widen(spec.tolerance ?? TOLERANCE.elementwise, extra), `${spec.name} forward`);
      const wantGrad = spec.grad ?? spec.inputs.every((input) => sizeOfShape(input.shape) > 0);
      if (wantGrad) {
        gradcheck(spec.fn, inputs, { reference: spec.ref, checkInputs: spec.gradInputs, label: `${spec.name} gradient` });
      }
    },
  }));
  return [...opCases, ...recurrentCases(getBackend, extra, kernels), ...behaviourCases(getBackend, createBackend, options)];
}
