import type { Backend, Shape } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ShapeError, ValueError, formatShape } from '../errors';
import { defaultGenerator, type Generator } from '../random';
import { checkOptions, type OptionSpec } from '../options';
import { assertValidShape, sizeOfShape } from './shape';
import { fromStorage, type NestedArray, type Tensor, type TensorOptions } from './tensor';

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from. @defaultValue the default generator, seeded by `manualSeed` */
  generator?: Generator;
}

const TENSOR_OPTIONS: OptionSpec = { requiresGrad: 'boolean', backend: 'backend' };
const RANDOM_OPTIONS: OptionSpec = { ...TENSOR_OPTIONS, generator: 'generator' };
const RANDN_OPTIONS: OptionSpec = { ...RANDOM_OPTIONS, mean: 'number', std: 'number' };

function make(values: Float32Array, shape: Shape, options: TensorOptions): Tensor {
  const backend = resolveBackend(options.backend);
  return fromStorage(backend, backend.upload(values), shape, options.requiresGrad ?? false);
}

/**
 * Creates a tensor from numbers, nested arrays or a `Float32Array`. Without `shape`, the shape is
 * read from the nesting (a plain number gives a scalar); with it, the values are taken row-major.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);            // shape [2, 2]
 * const w = tensor(new Float32Array(6), [2, 3], { requiresGrad: true });
 * ```
 */
export function tensor(values: number | NestedArray | ArrayLike<number>, shape?: readonly number[], options: TensorOptions = {}): Tensor {
  checkOptions(options, { where: 'tensor(values, shape, options)', spec: TENSOR_OPTIONS });
  let flat: Float32Array;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = Float32Array.of(values);
    inferred = [];
  } else if (ArrayBuffer.isView(values)) {
    flat = Float32Array.from(values as ArrayLike<number>);
    inferred = [flat.length];
  } else {
    inferred = nestedShape(values as NestedArray[]);
    flat = new Float32Array(sizeOfShape(inferred));
    flattenInto(values as NestedArray[], inferred, flat);
  }
  if (shape !== undefined) {
    assertValidShape('tensor', shape);
    if (sizeOfShape(shape) !== flat.length) {
      throw new ShapeError(`tensor: shape ${formatShape(shape)} needs ${sizeOfShape(shape)} values, got ${flat.length}`);
    }
    inferred = [...shape];
  }
  return make(flat, inferred, options);
}

function nestedShape(values: NestedArray[]): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

function flattenInto(values: NestedArray[], shape: readonly number[], out: Float32Array): void {
  let offset = 0;
  const walk = (v: NestedArray, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new ShapeError(`tensor: ragged nested array: expected a number at ${path}, got an array`);
      out[offset++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ShapeError(`tensor: ragged nested array: expected ${shape[depth]} entries at ${path || 'the top level'}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
    v.forEach((item, i) => walk(item, depth + 1, `${path}[${i}]`));
  };
  walk(values, 0, '');
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkOptions(options, { where: 'full(shape, value, options)', spec: TENSOR_OPTIONS });
  assertValidShape('full', shape);
  if (typeof value !== 'number') throw new ValueError(`full: value must be a number, got ${typeof value}`);
  const backend: Backend = resolveBackend(options.backend);
  return fromStorage(backend, backend.fill(sizeOfShape(shape), value), shape, options.requiresGrad ?? false);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** `[start, start + step, ...]` up to but excluding `end` (like `torch.arange`). With one argument, `[0, end)`. */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  checkOptions(options, { where: 'arange(start, end, step, options)', spec: TENSOR_OPTIONS });
  const [from, to] = end === undefined ? [0, start] : [start, end];
  for (const [name, v] of [['start', from], ['end', to], ['step', step]] as const) {
    if (!Number.isFinite(v)) throw new ValueError(`arange: ${name} must be finite, got ${v}`);
  }
  if (step === 0 || (to - from) * step < 0) throw new ValueError(`arange: step ${step} cannot go from ${from} to ${to}`);
  const n = Math.max(0, Math.ceil((to - from) / step));
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = from + i * step;
  return make(values, [n], options);
}

/** Identity matrix `[n, n]`. */
export function eye(n: number, options: TensorOptions = {}): Tensor {
  checkOptions(options, { where: 'eye(n, options)', spec: TENSOR_OPTIONS });
  assertValidShape('eye', [n]);
  const values = new Float32Array(n * n);
  for (let i = 0; i < n; i++) values[i * n + i] = 1;
  return make(values, [n, n], options);
}

/** Uniform samples in `[low, high)` from the seeded generator. */
export function uniform(shape: readonly number[], low = 0, high = 1, options: RandomOptions = {}): Tensor {
  checkOptions(options, { where: 'uniform(shape, low, high, options)', spec: RANDOM_OPTIONS });
  assertValidShape('uniform', shape);
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new ValueError(`uniform: bounds must be finite with low ≤ high, got [${low}, ${high})`);
  }
  const g = options.generator ?? defaultGenerator;
  const values = new Float32Array(sizeOfShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * g.nextFloat();
  return make(values, shape, options);
}

/** Uniform samples in `[0, 1)` from the seeded generator. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return uniform(shape, 0, 1, options);
}

/** Normal samples with the given mean and standard deviation from the seeded generator. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkOptions(options, { where: 'randn(shape, options)', spec: RANDN_OPTIONS });
  assertValidShape('randn', shape);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new ValueError(`randn: mean must be finite and std finite and ≥ 0, got mean ${mean}, std ${std}`);
  }
  const g = options.generator ?? defaultGenerator;
  const values = new Float32Array(sizeOfShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * g.nextNormal();
  return make(values, shape, options);
}

/** Copies a tensor to another backend (a leaf that does not require grad). */
export function toBackend(x: Tensor, backend: Backend): Tensor {
  const target = resolveBackend(backend);
  if (target === x.backend) return x.detach();
  if (!x.backend.supportsSyncRead) {
    throw new ValueError(`toBackend: backend '${x.backend.name}' reads back asynchronously; use toBackendAsync`);
  }
  return fromStorage(target, target.upload(x.dataSync()), x.shape);
}

/** Copies a tensor to another backend, reading it back asynchronously. */
export async function toBackendAsync(x: Tensor, backend: Backend): Promise<Tensor> {
  const target = resolveBackend(backend);
  return fromStorage(target, target.upload(await x.data()), x.shape);
}
