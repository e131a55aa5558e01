import { ShapeError, ValueError, formatShape } from '../errors';
import { noGrad } from '../autograd/grad-mode';
import { defaultGenerator, type Generator } from '../random';
import { fromStorage, type Tensor } from '../tensor/tensor';
import { checkOptions, type OptionSpec } from '../options';

const GENERATOR_SPEC: OptionSpec = { generator: 'generator' };
const XAVIER_SPEC: OptionSpec = { ...GENERATOR_SPEC, gain: 'number' };
const KAIMING_SPEC: OptionSpec = { ...GENERATOR_SPEC, a: 'number', mode: ['fanIn', 'fanOut'], nonlinearity: 'string' };

/**
 * Parameter initialisers, the counterparts of PyTorch's `torch.nn.init.*_` functions.
 *
 * Each one fills its tensor **in place** (through {@link Tensor.assign}, without recording a graph)
 * and returns the same tensor, like the trailing-underscore functions of PyTorch; every holder of the
 * tensor (a module, an optimizer) sees the new values. Values are drawn on the host from a seeded
 * {@link Generator} (the default one unless `generator` is given), so a seed gives the same numbers on
 * every backend.
 *
 * @example
 * ```ts
 * import { init, zeros } from '@gated/core';
 * const w = init.xavierUniform(zeros([64, 32]), { gain: init.calculateGain('tanh') });
 * ```
 */

/** Options shared by every random initialiser. */
export interface InitOptions {
  /** The generator to draw from. @defaultValue the default generator (seeded by `manualSeed`) */
  generator?: Generator;
}

/** A nonlinearity name accepted by {@link calculateGain}. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';

/**
 * The recommended gain for a nonlinearity (PyTorch's `calculate_gain`).
 *
 * @remarks linear / conv / sigmoid → 1, tanh → 5/3, relu → √2, leaky_relu → √(2 / (1 + slope²))
 * (`param` is the negative slope, default 0.01), selu → 3/4.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope)) throw new ValueError(`calculateGain: negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * The fan-in and fan-out of a weight (PyTorch's `_calculate_fan_in_and_fan_out`): for `[out, in, ...k]`
 * they are `in · Πk` and `out · Πk`. Needs at least 2 dimensions.
 */
export function calculateFans(shape: readonly number[], op = 'calculateFans'): { fanIn: number; fanOut: number } {
  if (shape.length < 2) {
    throw new ShapeError(`${op}: fan in and fan out need a tensor with at least 2 dimensions, got shape ${formatShape(shape)}`);
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

function fill(t: Tensor, values: Float32Array): Tensor {
  noGrad(() => {
    const fresh = fromStorage(t.backend, t.backend.upload(values), t.shape);
    t.assign(fresh);
    fresh.dispose();
  });
  return t;
}

function finite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValueError(`${op}: ${name} must be a finite number, got ${String(value)}`);
}

function drawUniform(t: Tensor, low: number, high: number, generator: Generator | undefined): Tensor {
  const g = generator ?? defaultGenerator;
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * g.nextFloat();
  return fill(t, values);
}

function drawNormal(t: Tensor, mean: number, std: number, generator: Generator | undefined): Tensor {
  const g = generator ?? defaultGenerator;
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = mean + std * g.nextNormal();
  return fill(t, values);
}

/**
 * Fills `t` with samples of `U(low, high)`.
 * @example
 * ```ts
 * init.uniform(w, { low: -0.1, high: 0.1 });
 * ```
 */
export function uniform(t: Tensor, rawOptions?: (InitOptions & { /** @defaultValue 0 */ low?: number; /** @defaultValue 1 */ high?: number }) | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.uniform(tensor, options)', spec: { ...GENERATOR_SPEC, low: 'number', high: 'number' } });
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  finite('init.uniform', 'low', low);
  finite('init.uniform', 'high', high);
  if (low > high) throw new ValueError(`init.uniform: low must not exceed high, got [${low}, ${high})`);
  return drawUniform(t, low, high, options.generator);
}

/**
 * Fills `t` with samples of `N(mean, std²)`.
 * @example
 * ```ts
 * init.normal(w, { std: 0.02 });
 * ```
 */
export function normal(t: Tensor, rawOptions?: (InitOptions & { /** @defaultValue 0 */ mean?: number; /** @defaultValue 1 */ std?: number }) | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.normal(tensor, options)', spec: { ...GENERATOR_SPEC, mean: 'number', std: 'number' } });
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  finite('init.normal', 'mean', mean);
  finite('init.normal', 'std', std);
  if (std < 0) throw new ValueError(`init.normal: std must be ≥ 0, got ${std}`);
  return drawNormal(t, mean, std, options.generator);
}

/** Fills `t` with `value`. */
export function constant(t: Tensor, value: number): Tensor {
  if (typeof value !== 'number') throw new ValueError(`init.constant: value must be a number, got ${typeof value}`);
  return fill(t, new Float32Array(t.size).fill(value));
}

/** Fills `t` with zeros. */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fills `t` with ones. */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/** Options of the Xavier / Glorot initialisers. */
export interface XavierOptions extends InitOptions {
  /** Scale factor, e.g. `calculateGain('tanh')`. @defaultValue 1 */
  gain?: number;
}

/**
 * Xavier / Glorot uniform init (Glorot & Bengio, 2010): `U(−a, a)`.
 * @remarks `a = gain · √(6 / (fanIn + fanOut))`.
 * @example
 * ```ts
 * init.xavierUniform(w, { gain: init.calculateGain('tanh') });
 * ```
 */
export function xavierUniform(t: Tensor, rawOptions?: XavierOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.xavierUniform(tensor, options)', spec: XAVIER_SPEC });
  const gain = options.gain ?? 1;
  finite('init.xavierUniform', 'gain', gain);
  const { fanIn, fanOut } = calculateFans(t.shape, 'init.xavierUniform');
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return drawUniform(t, -a, a, options.generator);
}

/**
 * Xavier / Glorot normal init: `N(0, std²)`.
 * @remarks `std = gain · √(2 / (fanIn + fanOut))`.
 * @example
 * ```ts
 * init.xavierNormal(w);
 * ```
 */
export function xavierNormal(t: Tensor, rawOptions?: XavierOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.xavierNormal(tensor, options)', spec: XAVIER_SPEC });
  const gain = options.gain ?? 1;
  finite('init.xavierNormal', 'gain', gain);
  const { fanIn, fanOut } = calculateFans(t.shape, 'init.xavierNormal');
  return drawNormal(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options.generator);
}

/** Options of the Kaiming / He initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier after this layer (used with `leaky_relu`). @defaultValue 0 */
  a?: number;
  /** Preserve the variance of the forward (`fanIn`) or the backward (`fanOut`) pass. @defaultValue 'fanIn' */
  mode?: 'fanIn' | 'fanOut';
  /** @defaultValue 'leaky_relu' */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions): number {
  const a = options.a ?? 0;
  finite(op, 'a', a);
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new ValueError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const fans = calculateFans(t.shape, op);
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', a);
  return gain / Math.sqrt(fan);
}

/**
 * Kaiming / He uniform init (He et al., 2015): `U(−bound, bound)`.
 * @remarks `bound = gain · √(3 / fan)` with `gain = calculateGain(nonlinearity, a)`. PyTorch's default
 * `Linear` weight init is `kaimingUniform(w, { a: √5 })`, i.e. `U(−1/√fanIn, 1/√fanIn)`.
 * @example
 * ```ts
 * init.kaimingUniform(w, { nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform(t: Tensor, rawOptions?: KaimingOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.kaimingUniform(tensor, options)', spec: KAIMING_SPEC });
  const bound = Math.sqrt(3) * kaimingStd('init.kaimingUniform', t, options);
  return drawUniform(t, -bound, bound, options.generator);
}

/**
 * Kaiming / He normal init: `N(0, std²)`.
 * @remarks `std = gain / √fan` with `gain = calculateGain(nonlinearity, a)`.
 * @example
 * ```ts
 * init.kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu' });
 * ```
 */
export function kaimingNormal(t: Tensor, rawOptions?: KaimingOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.kaimingNormal(tensor, options)', spec: KAIMING_SPEC });
  return drawNormal(t, 0, kaimingStd('init.kaimingNormal', t, options), options.generator);
}

/**
 * Fills `t` (at least 2-D, viewed as `[rows, cols]` with `cols` the product of the trailing dimensions)
 * with a (semi-)orthogonal matrix scaled by `gain` (Saxe et al., 2013; PyTorch's `orthogonal_`).
 *
 * @remarks A `[max, min]` matrix of `N(0, 1)` samples is factored as `QR` (thin QR: only the `min`
 * columns that are needed, modified Gram–Schmidt in float64 with one re-orthogonalisation pass,
 * `O(max · min²)`), the signs of `Q`'s columns are fixed so that `diag(R) > 0` (PyTorch's
 * `q *= sign(diag(r))`, which makes the result uniformly distributed), and `Q` is transposed back when
 * `rows < cols`. The result has orthonormal rows or columns: `Q Qᵀ = I` or `Qᵀ Q = I`.
 * @example
 * ```ts
 * init.orthogonal(weightHh, { gain: 1 });
 * ```
 */
export function orthogonal(t: Tensor, rawOptions?: XavierOptions | null): Tensor {
  const options = checkOptions(rawOptions, { where: 'init.orthogonal(tensor, options)', spec: XAVIER_SPEC });
  const gain = options.gain ?? 1;
  finite('init.orthogonal', 'gain', gain);
  if (t.rank < 2) throw new ShapeError(`init.orthogonal: only tensors with 2 or more dimensions are supported, got shape ${formatShape(t.shape)}`);
  const rows = t.shape[0];
  const cols = t.size / Math.max(rows, 1);
  if (t.size === 0) return t;
  const g = options.generator ?? defaultGenerator;
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  // Draw in the [rows, cols] layout PyTorch draws, then work on the tall [m, n] matrix column by column.
  const drawn = new Float64Array(rows * cols);
  for (let i = 0; i < drawn.length; i++) drawn[i] = g.nextNormal();
  const columns: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const col = new Float64Array(m);
    for (let i = 0; i < m; i++) col[i] = rows >= cols ? drawn[i * cols + j] : drawn[j * cols + i];
    columns.push(col);
  }
  for (let j = 0; j < n; j++) {
    const v = columns[j];
    // Two passes of Gram–Schmidt ("twice is enough") keep Q orthogonal to float64 precision.
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const q = columns[k];
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i] * v[i];
        for (let i = 0; i < m; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm === 0) throw new ValueError('init.orthogonal: the random matrix was rank-deficient; draw again');
    // Gram–Schmidt's R has a positive diagonal already, so no sign fix is needed.
    for (let i = 0; i < m; i++) v[i] /= norm;
  }
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = gain * (rows >= cols ? columns[c][r] : columns[r][c]);
    }
  }
  return fill(t, values);
}
