import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { SerializationError, ShapeError, ValueError, formatShape } from '../errors';
import { describeValue, type OptionSpec } from '../options';
import type { StateValue } from '../nn/module';
import { fromStorage, isTensor, type Tensor } from '../tensor/tensor';

/** Options of the loading functions. */
export interface LoadOptions {
  /** Where the loaded tensors live. @defaultValue the default backend */
  backend?: Backend;
  /**
   * Accept NaN and ±Infinity in the file. By default a non-finite value is a `SerializationError`
   * naming the tensor and the position, before any tensor is created.
   * @defaultValue false
   */
  allowNonFinite?: boolean;
}

/** @internal The keys of {@link LoadOptions}. */
export const LOAD_OPTION_SPEC: OptionSpec = { backend: 'backend', allowNonFinite: 'boolean' };

/** @internal Throws a {@link SerializationError} at the first non-finite value, unless allowed. */
export function assertFiniteData(op: string, name: string, data: Float32Array, allowNonFinite: boolean | undefined): void {
  if (allowNonFinite === true) return;
  const at = data.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) throw new SerializationError(`${op}: tensor '${name}' holds ${data[at]} at position ${at}; expected finite values (pass allowNonFinite: true to load it anyway)`);
}

/** @internal The float32 values and shape of a state value, read synchronously. */
export function hostValues(op: string, name: string, value: StateValue): { shape: readonly number[]; data: Float32Array } {
  if (isTensor(value)) {
    if (!value.backend.supportsSyncRead) {
      throw new ValueError(`${op}: tensor '${name}' lives on backend '${value.backend.name}', which reads back asynchronously; copy it to a CPU backend first (toBackendAsync)`);
    }
    return { shape: value.shape, data: value.dataSync() };
  }
  if (value === null || typeof value !== 'object' || !Array.isArray(value.shape) || value.data === null || typeof value.data !== 'object') {
    throw new ValueError(`${op}: '${name}' must be a Tensor or { shape, data }, got ${describeValue(value)}`);
  }
  const size = value.shape.reduce((a, b) => a * b, 1);
  if (value.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new ValueError(`${op}: '${name}' has an invalid shape ${formatShape(value.shape)}`);
  if (value.data.length !== size) {
    throw new ShapeError(`${op}: '${name}' of shape ${formatShape(value.shape)} needs ${size} values, got ${value.data.length}`);
  }
  return { shape: value.shape, data: value.data instanceof Float32Array ? value.data : Float32Array.from(value.data) };
}

/** @internal Uploads host values as a new tensor. */
export function makeTensor(values: Float32Array, shape: readonly number[], options: LoadOptions): Tensor {
  const backend = resolveBackend(options.backend);
  return fromStorage(backend, backend.upload(values), shape);
}
