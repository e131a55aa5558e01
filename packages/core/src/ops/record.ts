import type { Backend, Shape, TensorRef } from '../backend/backend';
import { BackendError, ValueError } from '../errors';
import { isGradEnabled, noGrad } from '../autograd/grad-mode';
import type { BackwardContext, BackwardFn } from '../autograd/node';
import { emitOp, untraced } from '../trace';
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

/** @internal What an op hands to {@link record}. */
export interface OpRecord {
  /** The op's name, for error messages and {@link traceOps}. */
  readonly name: string;
  readonly backend: Backend;
  /** The kernel's fresh output storage, which the result takes over. */
  readonly storage: unknown;
  readonly shape: Shape;
  /** The op's tensor inputs, in order; the backward returns one gradient per input. */
  readonly inputs: readonly Tensor[];
  /**
   * Every other tensor the backward reads (index tensors, loss weights, per-step activations). The
   * backward receives them in its context; it must not read a tensor it was not given, so that
   * {@link scope} and disposal can see everything a live graph needs.
   */
  readonly saved?: readonly Tensor[];
  /**
   * The subset of `saved` that the op created for its backward alone and hands to no one else; they
   * are disposed as soon as the backward has run without `retainGraph`.
   */
  readonly temporaries?: readonly Tensor[];
  /** Non-tensor arguments (axes, permutations, scalars), reported to {@link traceOps}. */
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** Maps the output gradient to the inputs' gradients, or `null` for an op without a gradient. */
  readonly backward: BackwardFn | null;
}

/**
 * @internal Wraps a kernel's output as a tensor and, when grad mode is on and an input requires
 * grad, records a graph node whose backward maps the output gradient to the inputs' gradients.
 * The backward gets the node's inputs, saved tensors and output as arguments, never by capture.
 */
export function record(spec: OpRecord): Tensor {
  const { name, backend, storage, shape, inputs, backward } = spec;
  const saved = spec.saved ?? [];
  const needsGrad = backward !== null && isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const out = fromStorage(backend, storage, shape, needsGrad, null);
  if (needsGrad) attachNode(out, name, inputs, saved, backward, spec.temporaries);
  else for (const t of spec.temporaries ?? []) t.dispose();
  emitOp(name, inputs, out, spec.attrs);
  return out;
}

/**
 * @internal Like {@link record}, for an op whose value was already computed, without grad and
 * untraced (see {@link computeUntraced}), as the tensor `value`: the result shares `value`'s storage
 * and carries its own single graph node.
 */
export function recordComputed(
  spec: Omit<OpRecord, 'backend' | 'storage' | 'shape' | 'backward'> & { readonly value: Tensor; readonly backward: BackwardFn },
): Tensor {
  const { name, value, inputs, backward } = spec;
  const saved = spec.saved ?? [];
  const needsGrad = isGradEnabled() && inputs.some((t) => t.requiresGrad);
  const out = needsGrad ? viewOf(value, value.shape, null) : value;
  if (needsGrad) {
    out.requiresGrad = true;
    attachNode(out, name, inputs, saved, backward);
  }
  emitOp(name, inputs, out, spec.attrs);
  return out;
}

/**
 * @internal A view of `x` under another shape (reshape, squeeze, unsqueeze, flatten): shares the
 * storage, and its gradient is the incoming one viewed as `x`'s shape.
 */
export function recordView(x: Tensor, shape: Shape): Tensor {
  const needsGrad = isGradEnabled() && x.requiresGrad;
  const out = viewOf(x, shape, null);
  if (needsGrad) {
    out.requiresGrad = true;
    // The gradient of a view is the incoming gradient viewed back as the input's shape.
    attachNode(out, 'reshape', [x], [], (g, { inputs }) => [recordView(g, inputs[0].shape)]);
  }
  emitOp('reshape', [x], out, { shape: [...shape] });
  return out;
}

function attachNode(
  out: Tensor,
  name: string,
  inputs: readonly Tensor[],
  saved: readonly Tensor[],
  backward: BackwardFn,
  temporaries: readonly Tensor[] = [],
): void {
  const context: BackwardContext = { inputs, saved, output: out };
  out.gradNode = { name, inputs, saved, temporaries, backward: (g) => backward(g, context) };
}

/**
 * @internal Runs the inner computation of a composite op (softmax, a loss, clamp) without recording a
 * graph and without reporting its primitive ops to {@link traceOps}: the composite records one node.
 */
export function computeUntraced<T>(fn: () => T): T {
  return untraced(() => noGrad(fn));
}

/** @internal Checks a finite number argument. */
export function assertFinite(op: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${op}: ${name} must be a finite number, got ${String(value)}`);
  }
}
