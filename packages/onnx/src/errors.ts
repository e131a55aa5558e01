import { GatedError } from '@gated/core';

/**
 * The bytes are not a well-formed ONNX model: truncated or corrupt protobuf, a tensor whose data
 * does not match its shape, a node that reads a value nothing produces, ... The model is rejected
 * whole; nothing is half-built.
 */
export class OnnxFormatError extends GatedError {}

/**
 * The model is valid ONNX but uses something Gated cannot run. {@link OnnxUnsupportedError.missing}
 * lists every unsupported operator, opset, data type, attribute value and external-data reference
 * found in the model, not just the first.
 */
export class OnnxUnsupportedError extends GatedError {
  /** One line per unsupported feature, e.g. `operator Conv (node "conv1")`. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super(`importOnnx: the model uses ${missing.length} unsupported feature${missing.length === 1 ? '' : 's'}:\n  - ${missing.join('\n  - ')}`);
    this.missing = missing;
  }
}

/** `exportOnnx` met a module or op it cannot express as ONNX; the message names it. */
export class OnnxExportError extends GatedError {}
