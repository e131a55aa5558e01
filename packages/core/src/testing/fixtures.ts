import type { Backend } from '../backend/backend';
import { add, mul } from '../ops/binary';
import { sum } from '../ops/reduce';
import { tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { assertClose, type Tolerance } from './tolerance';

/** The `format` field of every fixture file that `scripts/fixtures` writes. */
export const FIXTURE_FORMAT = 'gated-fixtures/v1';

/** A fixture tensor: shape and row-major float32 values written as doubles. */
export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

/**
 * One case of a recurrent fixture file (`gru.json`, `lstm.json`, ...): the module and its PyTorch
 * constructor arguments (`config`, snake_case), inputs, the `state_dict` (`params`), the outputs, the
 * random weights of the scalar loss `Σ output·Wout + ...`, the loss and every gradient.
 */
export interface RecurrentFixtureCase {
  readonly module: string;
  readonly description: string;
  readonly config: Record<string, number | boolean | null>;
  readonly inputs: Record<string, FixtureTensor | number[] | null>;
  readonly params: Record<string, FixtureTensor>;
  readonly outputs: Record<string, FixtureTensor>;
  readonly lossWeights: Record<string, FixtureTensor>;
  readonly loss: number;
  readonly grads: { params: Record<string, FixtureTensor> } & Record<string, FixtureTensor>;
}

/**
 * Parses the text of a fixture file and returns its cases by name.
 *
 * @throws Error when the text is not a `gated-fixtures/v1` file.
 */
export function parseFixtureCases<T = RecurrentFixtureCase>(text: string, source = 'fixture'): Record<string, T> {
  const file = JSON.parse(text) as { format?: unknown; cases?: unknown };
  if (file.format !== FIXTURE_FORMAT) throw new Error(`${source}: expected format '${FIXTURE_FORMAT}', got ${JSON.stringify(file.format)}`);
  if (file.cases === null || typeof file.cases !== 'object') throw new Error(`${source}: expected an object of cases, got ${typeof file.cases}`);
  return file.cases as Record<string, T>;
}

/** A fixture tensor as a float32 tensor on `backend`. */
export function fixtureTensor(t: FixtureTensor, backend: Backend, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });
}

/** Largest `|a − e| / max(1, |e|)`: the error measure the fixture suites report. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

/** The options every recurrent module shares, read from a case's PyTorch `config` (snake_case). */
export interface FixtureRecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  /** Sequence layers only (absent for cells). */
  numLayers?: number;
  batchFirst?: boolean;
  bidirectional?: boolean;
}

/** `input_size`, `hidden_size`, `bias` and, for sequence layers, `num_layers`, `batch_first`, `bidirectional`, camel-cased. */
export function fixtureRecurrentOptions(config: RecurrentFixtureCase['config']): FixtureRecurrentOptions {
  const options: FixtureRecurrentOptions = { inputSize: config.input_size as number, hiddenSize: config.hidden_size as number, bias: config.bias as boolean };
  if (config.num_layers !== undefined) options.numLayers = config.num_layers as number;
  if (config.batch_first !== undefined) options.batchFirst = config.batch_first as boolean;
  if (config.bidirectional !== undefined) options.bidirectional = config.bidirectional as boolean;
  return options;
}

/** What {@link runRecurrentFixtureCase} hands the module under test: the case's inputs as tensors that record gradients. */
export interface RecurrentFixtureInputs {
  readonly input: Tensor;
  /** The initial states the case gives (`h0`, `c0` for layers; `hx`, `cx` for cells); absent ones are `undefined`. */
  readonly states: Readonly<Record<'h0' | 'c0' | 'hx' | 'cx', Tensor | undefined>>;
  /** Valid steps per sequence, when the case has them. */
  readonly lengths: number[] | undefined;
}

/** What the module under test produced: its outputs by fixture name, and its state dict. */
export interface RecurrentFixtureOutputs {
  /** `output`, `hN`, `cN` for layers; `h`, `c` for cells: every name in the case's `outputs`. */
  readonly outputs: Readonly<Partial<Record<string, Tensor>>>;
  readonly params: Readonly<Record<string, Tensor>>;
}

/** One result of a case to compare with the fixture. */
export interface FixtureComparison {
  /** `output`, `hN`, `dInput`, `dh0`, `dweight_ih_l0`, ... */
  readonly label: string;
  readonly kind: 'forward' | 'gradient';
  readonly actual: Tensor;
  readonly expected: FixtureTensor;
}

/** The output each loss weight of a recurrent case multiplies. */
const LOSS_WEIGHT_OUTPUTS: Readonly<Record<string, string>> = { Wout: 'output', WhN: 'hN', WcN: 'cN', Wh: 'h', Wc: 'c' };

/**
 * Runs one recurrent fixture case on `backend`: builds the inputs (gradients recorded), lets `run`
 * build the module, load `c.params` and run it, forms the case's loss `Σ outputs ⊙ lossWeights`, runs
 * backward, and returns the loss and every output and gradient paired with its fixture tensor.
 *
 * @throws Error when `run` leaves out an output the case has, or its state dict keys differ from the
 * case's `params` (names and order, as PyTorch's `state_dict`).
 */
export function runRecurrentFixtureCase(
  c: RecurrentFixtureCase,
  backend: Backend,
  run: (inputs: RecurrentFixtureInputs) => RecurrentFixtureOutputs,
): { loss: number; comparisons: FixtureComparison[] } {
  const input = fixtureTensor(c.inputs.input as FixtureTensor, backend, true);
  const state = (name: 'h0' | 'c0' | 'hx' | 'cx') => (c.inputs[name] ? fixtureTensor(c.inputs[name] as FixtureTensor, backend, true) : undefined);
  const states = { h0: state('h0'), c0: state('c0'), hx: state('hx'), cx: state('cx') };
  const { outputs, params } = run({ input, states, lengths: (c.inputs.lengths as number[] | null | undefined) ?? undefined });
  const comparisons: FixtureComparison[] = [];
  for (const [name, expected] of Object.entries(c.outputs)) {
    const actual = outputs[name];
    if (actual === undefined) throw new Error(`${c.module}: the run returned no '${name}' (outputs: ${Object.keys(outputs).join(', ')})`);
    comparisons.push({ label: name, kind: 'forward', actual, expected });
  }
  const keys = Object.keys(params);
  const expectedKeys = Object.keys(c.params);
  if (keys.join() !== expectedKeys.join()) throw new Error(`${c.module}: state dict keys [${keys.join(', ')}] differ from the fixture's [${expectedKeys.join(', ')}]`);
  let loss: Tensor | null = null;
  for (const [weightName, weight] of Object.entries(c.lossWeights)) {
    const output = outputs[LOSS_WEIGHT_OUTPUTS[weightName]];
    if (output === undefined) throw new Error(`${c.module}: loss weight '${weightName}' has no output '${LOSS_WEIGHT_OUTPUTS[weightName]}' to weigh`);
    const term = sum(mul(output, fixtureTensor(weight, backend)));
    loss = loss === null ? term : add(loss, term);
  }
  if (loss === null) throw new Error(`${c.module}: the case has no loss weights`);
  const lossValue = loss.item();
  loss.backward();
  const gradient = (label: string, t: Tensor, expected: FixtureTensor) => {
    if (t.grad === null) throw new Error(`${c.module}: ${label} got no gradient`);
    comparisons.push({ label, kind: 'gradient', actual: t.grad, expected });
  };
  gradient('dInput', input, c.grads.input);
  for (const [name, t] of Object.entries(states)) if (t !== undefined) gradient(`d${name}`, t, c.grads[name]);
  for (const [key, expected] of Object.entries(c.grads.params)) gradient(`d${key}`, params[key], expected);
  return { loss: lossValue, comparisons };
}

/**
 * Compares results to fixture tensors (shape, then values within a tolerance per kind) and remembers
 * the largest {@link maxRelativeError} per kind, for the summary a fixture suite prints.
 *
 * @example
 * ```ts
 * const checker = new FixtureChecker({ forward: TOLERANCE.pytorchForward, gradient: TOLERANCE.pytorchGradient });
 * checker.check('output', output, c.outputs.output, 'forward');
 * console.log(checker.summary('GRU fixtures'));
 * ```
 */
export class FixtureChecker<K extends string> {
  /** The largest error seen so far, per kind. */
  readonly worst: Record<K, number>;

  constructor(readonly tolerances: Readonly<Record<K, Tolerance>>) {
    this.worst = Object.fromEntries(Object.keys(tolerances).map((k) => [k, 0])) as Record<K, number>;
  }

  /** @throws Error naming `label` when the shape differs or a value is outside the kind's tolerance. */
  check(label: string, actual: Tensor, expected: FixtureTensor, kind: K): void {
    const shape = [...actual.shape];
    if (shape.length !== expected.shape.length || shape.some((d, i) => d !== expected.shape[i])) {
      throw new Error(`${label}: expected shape [${expected.shape.join(', ')}], got [${shape.join(', ')}]`);
    }
    const values = actual.dataSync();
    this.worst[kind] = Math.max(this.worst[kind], maxRelativeError(values, expected.data));
    assertClose(values, expected.data, this.tolerances[kind], label);
  }

  /** `title: max forward error 1.79e-7, max gradient error 3.64e-6`. */
  summary(title: string): string {
    const parts = (Object.keys(this.tolerances) as K[]).map((k) => `max ${k} error ${this.worst[k].toExponential(2)}`);
    return `${title}: ${parts.join(', ')}`;
  }
}
