import { GatedError } from '../errors';
import { describeValue } from '../options';
import { isTensor } from '../tensor/tensor';

/** A class of error a bad input must end in (e.g. `ShapeError`, `OptionsError`). */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Counts bad inputs that were rejected as they should be, for property tests on the public API: each
 * call must throw an instance of the given {@link GatedError} subclass whose message contains every
 * expected fragment (what it got, what it expected). A call that returns (say, a NaN result) or throws
 * anything else (a `TypeError` from inside a kernel) fails the test with a message naming the input.
 *
 * @example
 * ```ts
 * const rejections = new RejectionCounter();
 * rejections.expect(() => linear.forward(x), ShapeError, ['[..., 8]', formatShape(x.shape)], x.shape);
 * expect(rejections.count).toBeGreaterThanOrEqual(1000);
 * ```
 */
export class RejectionCounter {
  /** Bad inputs rejected so far. */
  count = 0;
  /** Rejections per error class name, for the test's log. */
  readonly byClass = new Map<string, number>();

  /**
   * Runs `call` and checks that it throws an `errorClass` whose message contains each of `mentions`.
   *
   * @param input - the bad input, only for the failure message.
   * @throws Error when `call` returns, throws another class, or leaves a fragment unmentioned.
   */
  expect(call: () => unknown, errorClass: ErrorClass, mentions: readonly string[], input?: unknown): void {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      if (!(error instanceof errorClass) || !(error instanceof GatedError)) {
        throw new Error(`bad input ${describeValue(input)}: expected a ${errorClass.name}, got ${describeError(error)}`);
      }
      const missing = mentions.filter((m) => !error.message.includes(m));
      if (missing.length > 0) {
        throw new Error(`bad input ${describeValue(input)}: the ${error.name} message does not mention ${missing.map((m) => JSON.stringify(m)).join(', ')}: ${error.message}`);
      }
      this.count += 1;
      this.byClass.set(error.name, (this.byClass.get(error.name) ?? 0) + 1);
      return;
    }
    const what = isTensor(result) ? `a Tensor ${JSON.stringify(result.shape)}` : describeValue(result);
    throw new Error(`bad input ${describeValue(input)}: expected a ${errorClass.name}, but the call returned ${what}`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
}
