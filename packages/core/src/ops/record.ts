import type { Backend, Shape, TensorRef } from '../backend/backend';
import { BackendError, ValueError } from '../errors';
import { isGradEnabled } from '../autograd/grad-mode';
import { fromStorage, viewOf, type Tensor } from '../tensor/tensor';

/** A tensor or a plain number where an op accepts either. */
export type TensorLike = Tensor | number;

/** @internal The backend shared by all `tensors`; throws a {@link BackendError} naming `op` if they differ. */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  const backend = tensors[0].backend;
  for (let i = 1; i < tensors.length; i++) {
    if (tensors[i].backend !== backend) {
      throw new BackendError(
        `${op}: all tensors must live on one backend, got '${backend.name}' and '${tensors[i].backend.name}' (input ${i}); move one with toBackend()`,
      );
    }
  }
  return backend;
}

/** @internal A `{ storage, shape }` view for a kernel call; throws if the tensor was disposed. */
export function refOf(op: string, t: Tensor): TensorRef {
  return { storage: t.storage(op), shape: t.shape };
}

/**
 * @internal Wraps a kernel's output as a tensor and, when grad mode is on and an input requires
 * grad, records a graph node whose closure maps the output gradient to the inputs' gradients.
 */
export function record(
  name: string,
  backend: Backend,
  storage: unknown,
  shape: Shape,
  inputs: readonly Tensor[],
  backward: ((gradOutput: Tensor, output: Tensor) => readonly (Tensor | null)[]) | null,
  saved: readonly Tensor[] = [],
): Tensor {
  const needsGrad = backward !== null && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  if (!needsGrad) return fromStorage(backend, storage, shape);
  const out = fromStorage(backend, storage, shape, true, null);
  out.gradNode = { name, inputs, saved, backward: (g) => backward(g, out) };
  return out;
}

/** @internal Checks a finite number argument. */
export function assertFinite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${op}: ${name} must be a finite number, got ${String(value)}`);
  }
}

/**
 * @internal Like {@link record}, for an op whose value was already computed (without grad) as the
 * tensor `value`: the result shares `value`'s storage and carries its own single graph node.
 */
export function recordComputed(
  name: string,
  value: Tensor,
  inputs: readonly Tensor[],
  backward: (gradOutput: Tensor, output: Tensor) => readonly (Tensor | null)[],
): Tensor {
  const needsGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  if (!needsGrad) return value;
  const out = viewOf(value, value.shape, null);
  out.requiresGrad = true;
  out.gradNode = { name, inputs, saved: [], backward: (g) => backward(g, out) };
  return out;
}
