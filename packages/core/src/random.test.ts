import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Generator, ValueError, randn } from './index';

// Before: setState([0, 0, 0, 0, NaN]) was accepted and the next randn() never returned (xoshiro128**
// stays at the all-zero state, nextFloat() is 0 for ever, and Box–Muller redraws a zero uniform).
const backend = new CpuBackend();

describe('Generator.setState refuses states that cannot produce random numbers', () => {
  it.each([
    [[0, 0, 0, 0, Number.NaN], 'the words state[0..3] are all 0'],
    [[1, 2, 3], 'expected the 5 numbers of getState()'],
    [[1, 2, 3, 4, 5, 6], 'expected the 5 numbers of getState()'],
    [[1.5, 2, 3, 4, Number.NaN], 'state[0] must be an unsigned 32-bit integer, got 1.5 (a number)'],
    [[1, -2, 3, 4, Number.NaN], 'state[1] must be an unsigned 32-bit integer, got -2'],
    [[1, 2, 2 ** 32, 4, Number.NaN], 'state[2] must be an unsigned 32-bit integer, got 4294967296'],
    [[1, 2, 3, '4', Number.NaN], "state[3] must be an unsigned 32-bit integer, got '4' (a string)"],
    [[1, 2, 3, 4, Infinity], 'state[4] (the spare normal sample) must be a finite number, NaN or null, got Infinity'],
  ] as const)('%j: %s', (state, message) => {
    const g = new Generator(7);
    const before = g.getState();
    expect(() => g.setState(state as unknown as number[])).toThrow(ValueError);
    expect(() => g.setState(state as unknown as number[])).toThrow(message);
    expect(g.getState()).toEqual(before);
  });

  it('a state from getState(), also through JSON (NaN becomes null), restores the same stream', () => {
    const g = new Generator(3);
    g.nextNormal();
    const saved = JSON.parse(JSON.stringify(g.getState())) as (number | null)[];
    const expected = randn([6], { generator: g, backend }).dataSync();
    const h = new Generator(99);
    h.setState(saved);
    expect(randn([6], { generator: h, backend }).dataSync()).toEqual(expected);
  });
});
