import type { Generator } from '@gated/core';

/** A permutation of `0..n-1` drawn from `generator` (Fisher–Yates), so that a seed fixes it. */
export function permutation(n: number, generator: Generator): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(generator.nextFloat() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** `order` cut into consecutive batches of `size` (the last one may be smaller). */
export function batches(order: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < order.length; i += size) out.push(order.slice(i, i + size));
  return out;
}
