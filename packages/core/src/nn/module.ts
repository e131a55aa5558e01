import { GatedError, formatShape } from '../errors';
import { isTensor, type Tensor } from '../tensor/tensor';
import { fromStorage } from '../tensor/tensor';
import { noGrad } from '../autograd/grad-mode';

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
}

/** What {@link Module.loadStateDict} found. */
export interface LoadStateDictResult {
  readonly missingKeys: string[];
  readonly unexpectedKeys: string[];
}

/** A state dict did not fit the module; the message lists every missing, unexpected and mis-shaped key. */
export class StateDictError extends GatedError {
  constructor(
    message: string,
    readonly missingKeys: readonly string[],
    readonly unexpectedKeys: readonly string[],
    readonly mismatchedKeys: readonly string[],
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

  /** Every parameter with its dotted name, depth-first in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters) if (p !== null) out.push([prefix + name, p]);
    for (const [name, m] of this.ownModules) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  /** Every parameter, depth-first in registration order. */
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

  /** The parameters by dotted name. The tensors are the module's own (not copies). */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters());
  }

  /**
   * Loads parameters by dotted name, in place (holders such as optimizers see the new values).
   * Values may be tensors on any backend or `{ shape, data }` objects. Throws a {@link StateDictError}
   * listing every missing, unexpected (when `strict`) and mis-shaped key.
   */
  loadStateDict(state: Record<string, StateValue>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = new Map(this.namedParameters());
    const missingKeys = [...own.keys()].filter((k) => !(k in state));
    const unexpectedKeys = Object.keys(state).filter((k) => !own.has(k));
    const mismatched: string[] = [];
    for (const [key, param] of own) {
      const value = state[key];
      if (value === undefined) continue;
      const shape = value.shape;
      if (shape.length !== param.shape.length || shape.some((d, i) => d !== param.shape[i])) {
        mismatched.push(`${key}: expected ${formatShape(param.shape)}, got ${formatShape(shape)}`);
      }
    }
    if (mismatched.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const parts: string[] = [];
      if (strict && missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (strict && unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (mismatched.length > 0) parts.push(`mis-shaped keys: ${mismatched.join('; ')}`);
      throw new StateDictError(`loadStateDict: ${parts.join('; ')}`, missingKeys, unexpectedKeys, mismatched);
    }
    noGrad(() => {
      for (const [key, param] of own) {
        const value = state[key];
        if (value === undefined) continue;
        const values = isTensor(value) ? value.dataSync() : Float32Array.from(value.data);
        param.assign(fromStorage(param.backend, param.backend.upload(values), param.shape));
      }
    });
    return { missingKeys, unexpectedKeys };
  }
}
