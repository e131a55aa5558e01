/** Image side: each digit is read as 28 steps (rows) of 28 features (pixels). */
export const IMAGE_SIZE = 28;

/** Pixels per image. */
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
