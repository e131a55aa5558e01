import { noGrad } from '../autograd/grad-mode';
import { ValueError, formatShape } from '../errors';
import { keep, scope } from '../memory';
import { copy } from '../ops';
import { toBackend } from '../tensor/creation';
import { fromStorage, isTensor, type Tensor } from '../tensor/tensor';
import { parameterList, type ParameterSource } from '../nn/clip-grad';
import { checkOptions, describeValue, type OptionKind, type OptionSpec } from '../options';

/** Hyperparameters every optimizer has: the learning rate, which schedulers adjust. */
export interface BaseHyperparameters {
  /** Learning rate. */
  lr: number;
}

/** A group of parameters that share hyperparameters (PyTorch's `param_groups` entries). */
export type ParamGroup<H extends BaseHyperparameters> = H & {
  /** The parameters of this group. */
  readonly params: readonly Tensor[];
  /** The learning rate a scheduler started from (set by the first {@link LRScheduler}). */
  initialLr?: number;
};

/** A parameter group as passed to a constructor: parameters plus hyperparameters that override the defaults. */
export type ParamGroupInput<H extends BaseHyperparameters> = Partial<H> & { params: ParameterSource };

/** What an optimizer is built over: tensors, a module, or groups with their own hyperparameters. */
export type OptimizerParams<H extends BaseHyperparameters> = ParameterSource | readonly ParamGroupInput<H>[];

/** A saved optimizer tensor: a tensor, or plain data with its shape (e.g. parsed JSON). */
export type OptimizerStateValue = Tensor | number | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };

/**
 * An optimizer's state in PyTorch's layout: per-parameter state keyed by the parameter's position
 * across all groups (`0, 1, ...`), and each group's hyperparameters with the positions of its
 * parameters. Tensors are copies, owned by the caller.
 */
export interface OptimizerStateDict {
  readonly state: Record<number, Record<string, OptimizerStateValue>>;
  readonly paramGroups: readonly (Record<string, unknown> & { readonly params: readonly number[] })[];
}

function isGroupList<H extends BaseHyperparameters>(params: OptimizerParams<H>): params is readonly ParamGroupInput<H>[] {
  if (!Array.isArray(params) || params.length === 0) return false;
  const first: unknown = params[0];
  // Any plain object in a list is read as a group, so that a misspelled `params` is named, not mistaken for a tensor.
  return typeof first === 'object' && first !== null && !isTensor(first);
}

/** The option spec of an optimizer's hyperparameters, read off the types of its defaults. */
function hyperparameterSpec(defaults: object): OptionSpec {
  const kindOf = (v: unknown): OptionKind => (typeof v === 'boolean' ? 'boolean' : Array.isArray(v) ? 'numbers' : 'number');
  return Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, kindOf(v)]));
}

/**
 * Base class of optimizers (PyTorch's `torch.optim.Optimizer`): it holds parameter groups and
 * per-parameter state, and runs {@link Optimizer.step} without recording a graph, inside a
 * {@link scope}, so every temporary is freed at once and the live storage count stays flat across
 * steps. Parameters are updated in place with {@link Tensor.assign}; state tensors are `keep()`-ed
 * and disposed when replaced.
 *
 * Subclasses implement {@link Optimizer.updateParameter} for one parameter.
 */
export abstract class Optimizer<H extends BaseHyperparameters = BaseHyperparameters> {
  /** The parameter groups; change `lr` (or other hyperparameters) here between steps. */
  readonly paramGroups: ParamGroup<H>[];
  /** @internal Per-parameter state (e.g. `step`, `expAvg`). */
  protected readonly state = new Map<Tensor, Record<string, Tensor | number>>();
  /** The optimizer's name for error messages. */
  protected readonly name: string;

  /** The keys and types of this optimizer's hyperparameters (from its defaults), for strict option checks. */
  private readonly hyperparameters: OptionSpec;

  /**
   * @param defaults - every hyperparameter with its default value; their keys and types are the only
   *   ones `options` and parameter groups may hold.
   * @param options - the user's hyperparameters, checked strictly (an unknown key such as
   *   `learning_rate` is an `OptionsError` naming `lr`).
   */
  protected constructor(name: string, params: OptimizerParams<H>, defaults: H, options?: Partial<H> | null) {
    this.name = name;
    this.hyperparameters = hyperparameterSpec(defaults);
    const given = checkOptions(options, { where: `new ${name}(params, options)`, spec: this.hyperparameters });
    const base = { ...defaults, ...given };
    const groupList = isGroupList(params);
    const inputs: ParamGroupInput<H>[] = groupList ? [...params] : [{ params } as ParamGroupInput<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = inputs.map((input, i) => {
      const where = `new ${name}(params, options): parameter group ${i}`;
      const checked = groupList ? checkOptions(input, { where, spec: { ...this.hyperparameters, params: 'any', initialLr: 'number' }, required: ['params'] }) : input;
      const { params: source, ...overrides } = checked;
      // A tensor listed twice in one group (a tied weight) is optimised once, as parameterList keeps each once.
      const tensors = parameterList(source, where);
      for (const t of tensors) {
        if (seen.has(t)) throw new ValueError(`${name}: a parameter appears in more than one parameter group (again in group ${i}); each tensor may be optimised once`);
        seen.add(t);
      }
      const group = { ...base, ...(overrides as unknown as Partial<H>), params: tensors } as ParamGroup<H>;
      this.validate(group);
      return group;
    });
    if (seen.size === 0) throw new ValueError(`${name}: got an empty parameter list`);
  }

  /** Checks a group's hyperparameters; throws a `ValueError` naming the optimizer and the value. */
  protected abstract validate(group: H): void;

  /**
   * Computes and assigns the new value of one parameter (called under `noGrad` inside a scope).
   * `state` is this parameter's state object (empty on the first step); store tensors in it with
   * {@link Optimizer.setState}.
   */
  protected abstract updateParameter(param: Tensor, grad: Tensor, state: Record<string, Tensor | number>, group: ParamGroup<H>): void;

  /** Stores `value` in `state[key]`, keeping it alive across scopes and disposing the tensor it replaces. */
  protected setState(state: Record<string, Tensor | number>, key: string, value: Tensor): void {
    const previous = state[key];
    keep(value);
    state[key] = value;
    if (isTensor(previous) && previous !== value) previous.dispose();
  }

  /** Performs one optimisation step on every parameter that has a gradient. */
  step(): void {
    for (const group of this.paramGroups) this.validate(group);
    scope(() =>
      noGrad(() => {
        for (const group of this.paramGroups) {
          for (const param of group.params) {
            if (param.grad === null) continue;
            let state = this.state.get(param);
            if (state === undefined) {
              state = {};
              this.state.set(param, state);
            }
            this.updateParameter(param, param.grad, state, group);
          }
        }
        return null;
      }),
    );
  }

  /** Disposes and clears the gradient of every parameter. */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.zeroGrad();
  }

  /** Copies of the state and hyperparameters, in PyTorch's layout (see {@link OptimizerStateDict}). */
  stateDict(): OptimizerStateDict {
    const state: Record<number, Record<string, OptimizerStateValue>> = {};
    const paramGroups: (Record<string, unknown> & { params: number[] })[] = [];
    let index = 0;
    noGrad(() => {
      for (const group of this.paramGroups) {
        const { params, ...hyper } = group;
        const positions: number[] = [];
        for (const p of params) {
          const s = this.state.get(p);
          if (s !== undefined) {
            state[index] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, isTensor(v) ? copy(v) : v]));
          }
          positions.push(index++);
        }
        paramGroups.push({ ...structuredClone(hyper), params: positions });
      }
    });
    return { state, paramGroups };
  }

  /**
   * Restores state and hyperparameters saved by {@link Optimizer.stateDict} (from an optimizer over
   * parameters of the same shapes, in the same order). Tensors are copied onto each parameter's
   * backend. Throws a `ValueError` when the groups or shapes do not match.
   */
  loadStateDict(saved: OptimizerStateDict): void {
    if (saved.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError(`${this.name}.loadStateDict: expected ${this.paramGroups.length} parameter groups, got ${saved.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    saved.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i].params;
      if (g.params.length !== own.length) {
        throw new ValueError(`${this.name}.loadStateDict: parameter group ${i} has ${own.length} parameters, the saved one ${g.params.length}`);
      }
      g.params.forEach((position, j) => byIndex.set(position, own[j]));
    });
    const hyperparameters = saved.paramGroups.map((g, i) => {
      const { params: _params, ...hyper } = checkOptions(g as Record<string, unknown>, {
        where: `${this.name}.loadStateDict(saved): parameter group ${i}`,
        spec: { ...this.hyperparameters, params: 'any', initialLr: 'number' },
      });
      const merged = { ...this.paramGroups[i], ...structuredClone(hyper) } as ParamGroup<H>;
      this.validate(merged);
      return hyper;
    });
    const loaded = new Map<Tensor, Record<string, Tensor | number>>();
    try {
      for (const [key, entries] of Object.entries(saved.state)) {
        const param = byIndex.get(Number(key));
        if (param === undefined) throw new ValueError(`${this.name}.loadStateDict: state for parameter ${key}, which no group lists`);
        const restored: Record<string, Tensor | number> = {};
        loaded.set(param, restored);
        for (const [name, value] of Object.entries(entries)) {
          if (typeof value === 'number') {
            restored[name] = value;
            continue;
          }
          if (value === null || typeof value !== 'object' || !Array.isArray(value.shape)) {
            throw new ValueError(`${this.name}.loadStateDict: state '${name}' of parameter ${key} must be a number, a Tensor or { shape, data }, got ${describeValue(value)}`);
          }
          if (!isTensor(value) && (value.data === null || typeof value.data !== 'object' || value.data.length !== param.size)) {
            throw new ValueError(
              `${this.name}.loadStateDict: state '${name}' of parameter ${key} needs ${param.size} values for shape ${formatShape(param.shape)}, got ${describeValue(value.data)}${typeof value.data?.length === 'number' ? ` of length ${value.data.length}` : ''}`,
            );
          }
          if (value.shape.length !== param.shape.length || value.shape.some((d, k) => d !== param.shape[k])) {
            throw new ValueError(
              `${this.name}.loadStateDict: state '${name}' of parameter ${key} must have the parameter's shape ${formatShape(param.shape)}, got ${formatShape(value.shape)}`,
            );
          }
          restored[name] = keep(
            noGrad(() =>
              isTensor(value)
                ? value.backend === param.backend
                  ? copy(value)
                  : toBackend(value, param.backend)
                : fromStorage(param.backend, param.backend.upload(Float32Array.from(value.data)), param.shape),
            ),
          );
        }
      }
    } catch (error) {
      for (const s of loaded.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
      throw error;
    }
    hyperparameters.forEach((hyper, i) => Object.assign(this.paramGroups[i], structuredClone(hyper)));
    this.disposeState();
    for (const [p, s] of loaded) this.state.set(p, s);
  }

  /** Frees the optimizer's state tensors (moment estimates, momentum buffers); the next step starts afresh. */
  disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
    this.state.clear();
  }
}

/** @internal Throws unless `value` is a finite number ≥ 0. */
export function checkNonNegative(op: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValueError(`${op}: ${name} must be a finite number ≥ 0, got ${String(value)}`);
  }
}
