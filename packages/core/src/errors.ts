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

/**
 * An options object (or a state argument) had a key we do not know, or a value of the wrong type.
 * The message names the key, where it was given, and our spelling when we can tell it (PyTorch's
 * snake_case names map to ours: `batch_first` → `batchFirst`, `learning_rate` → `lr`).
 */
export class OptionsError extends ValueError {
  constructor(
    message: string,
    /** Where the options were given, e.g. `new GRU(options)`. */
    readonly where: string,
    /** The offending key. */
    readonly key: string,
    /** Our spelling of the key, when one fits. */
    readonly suggestion: string | null = null,
  ) {
    super(message);
  }
}

/** Bytes or a document that should hold tensors is malformed (a safetensors file, a state-dict JSON). */
export class SerializationError extends ValueError {}

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
