import { ValueError } from '../errors';
import { checkOptions, describeValue } from '../options';
import { isTensor, type Tensor } from '../tensor/tensor';

/**
 * Reads a two-tensor recurrent state (an LSTM's hidden and cell state) given in one of exactly two
 * forms: an object with the documented keys (`{ h0, c0 }`, `{ h, c }`) or PyTorch's tuple `[h, c]`.
 * Anything else (a single tensor, an object with other keys, a tuple of another length) is an error
 * that names what it got, so a state is never silently dropped for zeros.
 *
 * @param where - the call as the user wrote it, for messages, e.g. `LSTM.forward(input, state, options)`.
 * @param names - the documented keys, e.g. `['h0', 'c0']`; they also name the tuple's entries.
 * @param required - whether both tensors must be given in the object form (the tuple always needs both).
 * @returns the two tensors (`null` for one left out), or `null` when `value` is `undefined` or `null`.
 * @throws ValueError (an `OptionsError` for an unknown key or a non-tensor entry) for any other form.
 * @example
 * ```ts
 * const pair = readStatePair('LSTM.forward(input, state, options)', [h0, c0], ['h0', 'c0'], false);
 * ```
 */
export function readStatePair(
  where: string,
  value: unknown,
  names: readonly [string, string],
  required: boolean,
): readonly [Tensor | null, Tensor | null] | null {
  if (value === undefined || value === null) return null;
  const [a, b] = names;
  const forms = `{ ${a}, ${b} } or PyTorch's tuple [${a}, ${b}]`;
  if (Array.isArray(value)) {
    if (value.length !== 2 || !isTensor(value[0]) || !isTensor(value[1])) {
      throw new ValueError(`${where}: state must be ${forms} with two Tensors, got ${describeValue(value)}`);
    }
    return [value[0], value[1]];
  }
  if (typeof value !== 'object' || isTensor(value)) {
    const hint = isTensor(value) ? ` (the state holds two tensors; pass { ${a}, ${b} })` : '';
    throw new ValueError(`${where}: state must be ${forms}, got ${describeValue(value)}${hint}`);
  }
  const state = checkOptions(value as Record<string, Tensor>, { where, spec: { [a]: 'tensor', [b]: 'tensor' }, required: required ? names : [] });
  return [state[a] ?? null, state[b] ?? null];
}
