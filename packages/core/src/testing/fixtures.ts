import type { Backend } from '../backend/backend';
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
