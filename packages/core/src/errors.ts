/** Base class of every error Gated throws on purpose. */
export class GatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor had the wrong shape or rank for an op; the message names the op, what it expected and what it got. */
export class ShapeError extends GatedError {}

/** An argument had an invalid value (an axis out of range, a negative size, a non-finite option...). */
export class ValueError extends GatedError {}

/** Tensors from different backends met in one op, or no backend was configured. */
export class BackendError extends GatedError {}

/** A disposed tensor was used. */
export class DisposedError extends GatedError {}

/** Autograd was misused: backward through a freed graph, a non-scalar root without a gradient, ... */
export class AutogradError extends GatedError {}

/** Formats a shape the way messages show it: `[2, 3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
