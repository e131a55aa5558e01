import { GatedError, formatShape } from '../errors';
import { isTensor, type Tensor } from '../tensor/tensor';
import { fromStorage } from '../tensor/tensor';
import { noGrad } from '../autograd/grad-mode';
import { checkOptions, describeValue } from '../options';

/** A value accepted by {@link Module.loadStateDict}: a tensor, or plain data with its shape (e.g. parsed JSON). */
export type StateValue = Tensor | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/** A module's parameters (and buffers) by PyTorch-style dotted name, in registration order. */
export type StateDict = Record<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /**
   * Require the keys to match exactly (PyTorch's `strict`). With `false`, missing and unexpected keys
   * are reported in the result instead of thrown; mis-shaped tensors always throw.
   * @defaultValue true
   */
  strict?: boolean;
  /**
   * Accept NaN and ±Infinity in the loaded values. By default a non-finite value is an error naming
   * the key and the position, since a NaN weight makes every output NaN.
   * @defaultValue false
   */
  allowNonFinite?: boolean;
}

/** What {@link Module.loadStateDict} found. */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

/** A state dict did not fit the module; the message lists every missing, unexpected, mis-shaped and invalid key. */
export class StateDictError extends GatedError {
  constructor(
    message: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly mismatchedKeys: readonly string[],
    /** Keys whose values cannot be loaded: too few or too many numbers for the shape, not numbers, non-finite, or tied keys that disagree. */
    readonly invalidKeys: readonly string[] = [],
  ) {
    super(message);
  }
}

/**
 * Base class of layers and models, like PyTorch's `nn.Module`: it owns named parameters and named
 * submodules, and everything that walks them (`parameters()`, `stateDict()`, `train()`, ...).
 *
 * Subclasses register parameters with {@link Module.registerParameter} and children with
 * {@link Module.registerModule} in their constructor; names become the dotted keys of
 * {@link Module.stateDict}, e.g. `gru.weight_ih_l0` or `fc.bias`.
 */
export abstract class Module {
  /** Whether the module is in training mode (dropout active). Set with {@link Module.train} / {@link Module.eval}. */
  training = true;
  private readonly ownParameters = new Map<string, Tensor | null>();
  private readonly ownModules = new Map<string, Module>();

  /**
   * Registers `value` as a parameter called `name` (it is made a leaf that requires grad) and returns
   * it. `null` registers an absent optional parameter (e.g. `bias: false`), which state dicts skip.
   */
  protected registerParameter<T extends Tensor | null>(name: string, value: T): T {
    if (name.includes('.') || name === '') throw new GatedError(`registerParameter: invalid name '${name}'`);
    if (value !== null) value.requiresGrad = true;
    this.ownParameters.set(name, value);
    return value;
  }

  /** Registers `module` as a child called `name` and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    if (name.includes('.') || name === '') throw new GatedError(`registerModule: invalid name '${name}'`);
    this.ownModules.set(name, module);
    return module;
  }

  /** Every registered parameter under every name it has (a tied tensor appears once per name), depth-first. */
  private everyNamedParameter(prefix: string): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters) if (p !== null) out.push([prefix + name, p]);
    for (const [name, m] of this.ownModules) out.push(...m.everyNamedParameter(`${prefix}${name}.`));
    return out;
  }

  /**
   * Every parameter with its dotted name, depth-first in registration order. A tensor registered
   * under two names (tied weights, e.g. an embedding shared with the decoder) is listed once, under
   * its first name, as PyTorch's `named_parameters()` does.
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.everyNamedParameter(prefix).filter(([, p]) => {
      if (seen.has(p)) return false;
      seen.add(p);
      return true;
    });
  }

  /** Every parameter, depth-first in registration order, each tensor once (see {@link Module.namedParameters}). */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The direct children with their names. */
  namedChildren(): [string, Module][] {
    return [...this.ownModules];
  }

  /** This module and all descendants with dotted names (`''` for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [name, m] of this.ownModules) out.push(...m.namedModules(`${prefix}${name}.`));
    return out;
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Disposes and clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Total number of parameter elements (PyTorch's `sum(p.numel() for p in m.parameters())`). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /**
   * The parameters by dotted name. The tensors are the module's own (not copies). A tied tensor
   * appears under each of its names, as in PyTorch's `state_dict()`.
   */
  stateDict(): StateDict {
    return Object.fromEntries(this.everyNamedParameter(''));
  }

  /**
   * Loads parameters by dotted name, in place (holders such as optimizers see the new values).
   * Values may be tensors on a backend with synchronous reads, or `{ shape, data }` objects.
   *
   * @remarks Everything is checked before anything changes, so on any error the module is exactly as
   * it was: the keys (missing and unexpected ones, when `strict`), each shape against the module's,
   * each `data` length against its shape, that the data are numbers, that every value is finite
   * (unless `allowNonFinite`), and that the names of a tied tensor carry the same values.
   * @throws StateDictError listing every missing, unexpected (when `strict`), mis-shaped and invalid
   * key; OptionsError for an unknown option.
   */
  loadStateDict(state: Record<string, StateValue>, options?: LoadStateDictOptions | null): LoadStateDictResult {
    const { strict = true, allowNonFinite = false } = checkOptions(options, {
      where: `${this.constructor.name}.loadStateDict(state, options)`,
      spec: { strict: 'boolean', allowNonFinite: 'boolean' },
    });
    if (state === null || typeof state !== 'object' || Array.isArray(state) || isTensor(state)) {
      throw new StateDictError(`loadStateDict: expected an object of tensors or { shape, data } by name, got ${describeValue(state)}`, [], [], []);
    }
    const own = this.everyNamedParameter('');
    const ownKeys = new Set(own.map(([k]) => k));
    const missingKeys = own.map(([k]) => k).filter((k) => !Object.hasOwn(state, k));
    const unexpectedKeys = Object.keys(state).filter((k) => !ownKeys.has(k));
    const mismatched: string[] = [];
    const invalid: string[] = [];
    const values = new Map<Tensor, { key: string; data: Float32Array }>();
    for (const [key, param] of own) {
      if (!Object.hasOwn(state, key)) continue;
      const read = readStateValue(key, state[key], param.shape, allowNonFinite);
      if ('mismatch' in read) {
        mismatched.push(read.mismatch);
        continue;
      }
      if ('invalid' in read) {
        invalid.push(read.invalid);
        continue;
      }
      const first = values.get(param);
      if (first === undefined) {
        values.set(param, { key, data: read.data });
        continue;
      }
      // Two names of one tied tensor: PyTorch would keep whichever it copied last; we refuse to guess.
      const at = read.data.findIndex((v, i) => !Object.is(v, first.data[i]));
      if (at >= 0) invalid.push(`${key}: tied to ${first.key} (one tensor), but the values differ at position ${at} (${read.data[at]} vs ${first.data[at]})`);
    }
    if (mismatched.length > 0 || invalid.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const parts: string[] = [];
      if (strict && missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (mismatched.length > 0) parts.push(`mis-shaped keys: ${mismatched.join('; ')}`);
      if (invalid.length > 0) parts.push(`invalid values: ${invalid.join('; ')}`);
      throw new StateDictError(`loadStateDict: ${parts.join('; ')}; nothing was loaded`, missingKeys, unexpectedKeys, mismatched, invalid);
    }
    noGrad(() => {
      for (const [param, { data }] of values) param.assign(fromStorage(param.backend, param.backend.upload(data), param.shape));
    });
    return { missingKeys, unexpectedKeys };
  }
}

/** Reads one state value as float32 host data, or says why it cannot be loaded into `shape`. */
function readStateValue(key: string, value: unknown, shape: readonly number[], allowNonFinite: boolean): { data: Float32Array } | { mismatch: string } | { invalid: string } {
  let data: Float32Array;
  let got: readonly number[];
  if (isTensor(value)) {
    got = value.shape;
    if (!sameShape(got, shape)) return { mismatch: `${key}: expected ${formatShape(shape)}, got ${formatShape(got)}` };
    if (!value.backend.supportsSyncRead) {
      return { invalid: `${key}: a tensor on backend '${value.backend.name}', which reads back asynchronously; copy it to a CPU backend first (toBackendAsync)` };
    }
    data = value.dataSync();
  } else {
    const plain = value as { shape?: unknown; data?: unknown } | null;
    if (plain === null || typeof plain !== 'object' || !Array.isArray(plain.shape)) {
      return { invalid: `${key}: expected a Tensor or { shape, data }, got ${describeValue(value)}` };
    }
    if (!plain.shape.every((d) => Number.isInteger(d) && d >= 0)) return { invalid: `${key}: shape must be non-negative integers, got ${JSON.stringify(plain.shape)}` };
    got = plain.shape as number[];
    if (!sameShape(got, shape)) return { mismatch: `${key}: expected ${formatShape(shape)}, got ${formatShape(got)}` };
    const raw = plain.data;
    const numeric =
      (ArrayBuffer.isView(raw) && !(raw instanceof DataView) && !(raw instanceof BigInt64Array) && !(raw instanceof BigUint64Array)) ||
      (Array.isArray(raw) && raw.every((v) => typeof v === 'number'));
    if (!numeric) return { invalid: `${key}: data must be an array or typed array of numbers, got ${describeValue(raw)}` };
    const array = raw as ArrayLike<number>;
    const size = shape.reduce((a, b) => a * b, 1);
    if (array.length !== size) return { invalid: `${key}: shape ${formatShape(shape)} needs ${size} values, got ${array.length}` };
    data = array instanceof Float32Array ? array : Float32Array.from(array);
  }
  if (!allowNonFinite) {
    const at = data.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) return { invalid: `${key}: value ${data[at]} at position ${at} is not finite (pass allowNonFinite: true to load it anyway)` };
  }
  return { data };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
