import { OptionsError, ValueError, formatShape } from './errors';
import { isTensor, type Tensor } from './tensor/tensor';

/**
 * The type an option's value must have:
 *
 * - `'boolean'`, `'number'`, `'string'`, `'function'`, `'object'` (a non-array object): that `typeof`;
 * - `'backend'`: an object with an `upload` method (the contract version is checked where it is used);
 * - `'generator'`: an object with `nextFloat` and `nextNormal` methods (a {@link Generator});
 * - `'tensor'`: a {@link Tensor};
 * - `'numbers'`: an array or typed array of numbers (e.g. `lengths`);
 * - `'numberOrNumbers'`: a number or such an array (e.g. `normalizedShape`);
 * - `'tensorOrArray'`: a tensor, a number or a (nested) array of numbers (e.g. a loss weight);
 * - `'stringRecord'`: an object whose values are strings (e.g. safetensors metadata);
 * - `'any'`: any value (checked by the caller);
 * - a list of strings: one of those literal values (e.g. `['mean', 'sum', 'none']`).
 */
export type OptionKind =
  | 'boolean'
  | 'number'
  | 'string'
  | 'function'
  | 'object'
  | 'backend'
  | 'generator'
  | 'tensor'
  | 'numbers'
  | 'numberOrNumbers'
  | 'tensorOrArray'
  | 'stringRecord'
  | 'any'
  | readonly string[];

/** The keys an options object may hold, each with the {@link OptionKind} of its value. */
export type OptionSpec = Readonly<Record<string, OptionKind>>;

/** Arguments of {@link checkOptions}. */
export interface CheckOptionsArgs {
  /** Where the options were given, as the user wrote it, for messages: `new GRU(options)`, `GRU.forward(input, h0, options)`. */
  readonly where: string;
  /** Every key we accept, with the type of its value. */
  readonly spec: OptionSpec;
  /** Keys that must be present (not `undefined` or `null`). @defaultValue none */
  readonly required?: readonly string[];
  /** Extra foreign spellings for this call only, mapped to ours (e.g. `{ h: 'h0' }`). @defaultValue none */
  readonly aliases?: Readonly<Record<string, string>>;
}

/**
 * PyTorch (and Keras) spellings that a mechanical snake_case → camelCase conversion does not turn
 * into ours. Checked first, and only used when our key exists in the spec at hand.
 */
const FOREIGN_SPELLINGS: Readonly<Record<string, string>> = {
  learning_rate: 'lr',
  learningRate: 'lr',
  length: 'lengths',
  seq_lengths: 'lengths',
  seqLengths: 'lengths',
  use_bias: 'bias',
  units: 'hiddenSize',
  T_max: 'tMax',
  decay: 'weightDecay',
  momentum_buffer: 'momentumBuffer',
  recurrent_kernel: 'recurrentKernel',
  hx: 'h0',
  h_0: 'h0',
  c_0: 'c0',
};

/** Keys that exist in PyTorch but deliberately have no counterpart here, with the reason. */
const UNSUPPORTED_SPELLINGS: Readonly<Record<string, string>> = {
  proj_size: 'PyTorch\'s proj_size (an LSTM projection) is not supported; only the LSTM accepts projSize, and only as 0',
  device: 'tensors live on a backend here: pass { backend } (e.g. new CpuBackend())',
  dtype: 'every tensor is float32 here; there is no dtype option',
};

function snakeToCamel(key: string): string {
  return key.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** Our key for a foreign or misspelled one, or null, with how we found it. */
function suggest(key: string, known: readonly string[], aliases: Readonly<Record<string, string>>): { key: string; how: string } | null {
  const has = (k: string | undefined): k is string => k !== undefined && known.includes(k);
  const alias = Object.hasOwn(aliases, key) ? aliases[key] : Object.hasOwn(FOREIGN_SPELLINGS, key) ? FOREIGN_SPELLINGS[key] : undefined;
  if (has(alias)) return { key: alias, how: key.includes('_') ? `PyTorch's ${key}` : 'the spelling here' };
  const camel = snakeToCamel(key);
  const folded = (k: string) => k.toLowerCase().replace(/_/g, '');
  const sameLetters = known.find((k) => folded(k) === folded(camel));
  if (sameLetters !== undefined) return { key: sameLetters, how: key.includes('_') ? `PyTorch's ${key}` : 'the spelling here' };
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(folded(camel), folded(k));
    if (distance < bestDistance) {
      best = k;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(folded(camel).length / 3));
  if (best !== null && bestDistance <= limit) return { key: best, how: 'the nearest name' };
  // A shortened or extended name (`meta` for `metadata`, `layers` for `layer`) is as telling as a typo.
  const prefixed = folded(camel).length >= 3 ? known.find((k) => folded(k).startsWith(folded(camel)) || folded(camel).startsWith(folded(k))) : undefined;
  return prefixed === undefined ? null : { key: prefixed, how: 'the nearest name' };
}

/**
 * A short description of a value for error messages: `'yes' (a string)`, `a Tensor [2, 3]`,
 * `an array of 2`, `an object with keys { h, c }`, `null`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (isTensor(value)) return `a Tensor ${formatShape(value.shape)}`;
  if (Array.isArray(value)) return `an array of ${value.length} (${value.slice(0, 4).map((v) => (isTensor(v) ? `Tensor ${formatShape(v.shape)}` : typeof v)).join(', ')}${value.length > 4 ? ', …' : ''})`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  switch (typeof value) {
    case 'string':
      return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}' (a string)`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${String(value)} (a ${typeof value})`;
    case 'function':
      return 'a function';
    case 'object': {
      const keys = Object.keys(value as object);
      const name = (value as object).constructor?.name;
      const kind = name && name !== 'Object' ? `a ${name}` : 'an object';
      return keys.length === 0 ? `${kind} with no keys` : `${kind} with keys { ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''} }`;
    }
    default:
      return typeof value;
  }
}

function isNumberArray(value: unknown): boolean {
  if (ArrayBuffer.isView(value)) return !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

function isNestedNumberArray(value: unknown): boolean {
  if (isNumberArray(value)) return true;
  return Array.isArray(value) && value.every(isNestedNumberArray);
}

const KIND_TEXT: Record<Exclude<OptionKind, readonly string[]>, string> = {
  boolean: 'a boolean',
  number: 'a number',
  string: 'a string',
  function: 'a function',
  object: 'an object',
  backend: 'a Backend (e.g. new CpuBackend())',
  generator: 'a Generator',
  tensor: 'a Tensor',
  numbers: 'an array of numbers',
  numberOrNumbers: 'a number or an array of numbers',
  tensorOrArray: 'a Tensor, a number or a (nested) array of numbers',
  stringRecord: 'an object of strings',
  any: 'any value',
};

function kindText(kind: OptionKind): string {
  return typeof kind === 'string' ? KIND_TEXT[kind as keyof typeof KIND_TEXT] : `one of ${kind.map((k) => `'${k}'`).join(', ')}`;
}

function matches(kind: OptionKind, value: unknown): boolean {
  if (typeof kind !== 'string') return typeof value === 'string' && kind.includes(value);
  switch (kind) {
    case 'boolean':
    case 'number':
    case 'string':
    case 'function':
      return typeof value === kind;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value);
    case 'backend':
      return typeof value === 'object' && value !== null && typeof (value as { upload?: unknown }).upload === 'function';
    case 'generator':
      return typeof value === 'object' && value !== null && typeof (value as { nextFloat?: unknown }).nextFloat === 'function' && typeof (value as { nextNormal?: unknown }).nextNormal === 'function';
    case 'tensor':
      return isTensor(value);
    case 'numbers':
      return isNumberArray(value);
    case 'numberOrNumbers':
      return typeof value === 'number' || isNumberArray(value);
    case 'tensorOrArray':
      return isTensor(value) || typeof value === 'number' || isNestedNumberArray(value);
    case 'stringRecord':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
    case 'any':
      return true;
    default: {
      const unreachable: never = kind;
      return unreachable;
    }
  }
}

/**
 * @internal Throws a `ValueError` unless `value` is a Tensor: a module's `forward` calls it first, so
 * an array or `undefined` is named in the error instead of failing inside a kernel.
 */
export function assertTensorArgument(where: string, name: string, value: unknown): asserts value is Tensor {
  if (!isTensor(value)) throw new ValueError(`${where}: ${name} must be a Tensor, got ${describeValue(value)}`);
}

/**
 * Checks an options object against the keys we accept, the one mechanism every public constructor,
 * method and loader of Gated uses; returns a copy without the keys that are `undefined` or `null`
 * (so `null` means "use the default" everywhere).
 *
 * @remarks An unknown key is an {@link OptionsError} that names it, where it was given and, when one
 * fits, our spelling: PyTorch's snake_case names map to ours (`batch_first` → `batchFirst`,
 * `num_layers` → `numLayers`, `learning_rate` → `lr`, `length` → `lengths`), otherwise the nearest
 * known name within a third of its length. A value of the wrong type is an `OptionsError` naming
 * the expected type and what was got. `undefined` or `null` in place of the whole object means no
 * options. Ranges (a positive size, a probability) are left to the caller.
 * @throws OptionsError for a non-object, an unknown key, a missing required key or a value of the wrong type.
 * @example
 * ```ts
 * const o = checkOptions(options, { where: 'new Highway(options)', spec: { size: 'number', bias: 'boolean' }, required: ['size'] });
 * ```
 */
export function checkOptions<T extends object>(options: T | null | undefined, args: CheckOptionsArgs): T {
  const { where, spec } = args;
  if (options === undefined || options === null) {
    const missing = args.required?.[0];
    if (missing !== undefined) throw new OptionsError(`${where}: options must be an object with ${missing} (${kindText(spec[missing])}), got ${describeValue(options)}`, where, missing);
    return {} as T;
  }
  if (typeof options !== 'object' || Array.isArray(options) || isTensor(options)) {
    throw new OptionsError(`${where}: options must be an object, got ${describeValue(options)}`, where, '');
  }
  const known = Object.keys(spec);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(spec, key)) {
      const hit = suggest(key, known, args.aliases ?? {});
      const unsupported = hit === null && Object.hasOwn(UNSUPPORTED_SPELLINGS, key) ? `; ${UNSUPPORTED_SPELLINGS[key]}` : '';
      const hint = hit === null ? '' : `; did you mean '${hit.key}' (${hit.how})?`;
      throw new OptionsError(
        `${where}: unknown option '${key}'${hint}${unsupported}. Expected keys: ${known.join(', ')}`,
        where,
        key,
        hit?.key ?? null,
      );
    }
    if (value === undefined || value === null) continue;
    if (!matches(spec[key], value)) {
      throw new OptionsError(`${where}: option '${key}' must be ${kindText(spec[key])}, got ${describeValue(value)}`, where, key);
    }
    out[key] = value;
  }
  for (const key of args.required ?? []) {
    if (!(key in out)) throw new OptionsError(`${where}: option '${key}' (${kindText(spec[key])}) is required, got ${describeValue((options as Record<string, unknown>)[key])}`, where, key);
  }
  return out as T;
}
