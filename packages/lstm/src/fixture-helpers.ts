/**
 * Test-only helpers: read the PyTorch fixtures (`scripts/fixtures/README.md` describes the format)
 * and measure how far a result is from them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, type Backend, type Tensor } from '@gated/core';

/** A fixture tensor: shape and row-major float32 values written as doubles. */
export interface FixtureTensor {
  readonly shape: number[];
  readonly data: number[];
}

/** An LSTM / LSTMCell case of `lstm.json`. */
export interface FixtureCase {
  readonly module: 'LSTM' | 'LSTMCell';
  readonly description: string;
  readonly config: Record<string, number | boolean | null>;
  readonly inputs: Record<string, FixtureTensor | number[] | null>;
  readonly params: Record<string, FixtureTensor>;
  readonly outputs: Record<string, FixtureTensor>;
  readonly lossWeights: Record<string, FixtureTensor>;
  readonly loss: number;
  readonly grads: { params: Record<string, FixtureTensor> } & Record<string, FixtureTensor>;
}

/** Reads `__fixtures__/<name>` beside this file. */
export function loadFixture(name: string): Record<string, FixtureCase> {
  const path = fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { cases: Record<string, FixtureCase> }).cases;
}

/** A fixture tensor on `backend`. */
export function toTensor(t: FixtureTensor, backend: Backend, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(t.data), t.shape, { backend, requiresGrad });
}

/** Largest `|a − e| / max(1, |e|)`: the error measure reported in the summary. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}
