import { noGrad, tensor } from '@gated/core';
import type { DigitClassifier } from '../../mnist/model';

/** The part of `ImageData` the demo reads. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

/**
 * Shrinks a square canvas (white ink on black) to `size`×`size` intensities in `[0, 1]` by averaging
 * each block of pixels (the red channel), as MNIST's digits are anti-aliased greyscale.
 */
export function canvasToDigit(image: Pixels, size: number): Float32Array {
  if (image.width !== image.height || image.width % size !== 0) throw new Error(`the canvas must be square with a side divisible by ${size}, got ${image.width}×${image.height}`);
  const block = image.width / size;
  const out = new Float32Array(size * size);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      out[Math.floor(y / block) * size + Math.floor(x / block)] += image.data[(y * image.width + x) * 4] / 255;
    }
  }
  return out.map((v) => v / (block * block));
}

/** Class probabilities of one `[784]` digit. */
export function classifyDigit(model: DigitClassifier, pixels: Float32Array): number[] {
  return noGrad(() => Array.from(model.probabilities(tensor(pixels, [1, 28, 28])).dataSync()));
}
