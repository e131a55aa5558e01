import type { Backend, Shape } from '../backend/backend';
import { AutogradError, BackendError, DisposedError, ShapeError, formatShape } from '../errors';
import type { GradNode } from '../autograd/node';
import { trackTensor } from '../memory';
import { sizeOfShape } from './shape';
import * as ops from '../ops';
import { runBackward, type BackwardOptions } from '../autograd/backward';

/**
 * @internal Storage shared by tensors that view the same data (reshape shares, never copies).
 *
 * Memory follows the user's references. `dispose()` (or a {@link scope}) releases a tensor's share at
 * once; the last share frees the storage. Tensors dropped without `dispose()` are the garbage
 * collector's: once every tensor sharing a `DataRef` is unreachable, so is the `DataRef` and the
 * storage it holds, so host storage is reclaimed with them like any typed array, also inside a
 * synchronous loop that never lets finalizers run. Only what lives outside the JavaScript heap (a
 * device texture) needs a finalizer, and the registry then holds the backend's small token for it
 * ({@link Backend.finalizationToken}), never the storage.
 */
export class DataRef {
  refs = 1;
  constructor(
    readonly backend: Backend,
    readonly storage: unknown,
  ) {
    if (backend.finalizationToken === undefined) {
      finalizer.register(this, { backend, token: storage, dispose: true }, this);
    } else {
      const token = backend.finalizationToken(storage);
      if (token !== null) finalizer.register(this, { backend, token, dispose: false }, this);
    }
  }

  release(): void {
    if (this.refs <= 0) return;
    this.refs -= 1;
    if (this.refs === 0) {
      finalizer.unregister(this);
      this.backend.dispose(this.storage);
    }
  }
}

/**
 * What the registry keeps for a `DataRef` until the collector reports it gone: the backend's token
 * (`reclaim` frees what it names), or, for a backend without {@link Backend.finalizationToken}, the
 * storage itself, then disposed.
 */
interface FinalizationHeld {
  readonly backend: Backend;
  readonly token: unknown;
  readonly dispose: boolean;
}

const finalizer = new FinalizationRegistry<FinalizationHeld>(({ backend, token, dispose }) => {
  if (dispose) backend.dispose(token);
  else backend.reclaim?.(token as object);
});

/** Options accepted by tensor creation functions. */
export interface TensorOptions {
  /** Record operations on this tensor for autograd. @defaultValue false */
  requiresGrad?: boolean;
  /** The backend that holds the data. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/**
 * An immutable n-dimensional array of float32 values held by a {@link Backend}, row-major.
 *
 * Operations return new tensors; when any input `requiresGrad` (and grad mode is on), the result
 * records how it was made so that {@link Tensor.backward} can compute gradients.
 */
export class Tensor {
  /** @internal Marks tensors across bundle copies. */
  readonly __gatedTensor = true as const;
  /** The size of each dimension, outermost first. */
  readonly shape: Shape;
  /** The number of elements. */
  readonly size: number;
  /** Whether gradients are computed for this tensor. */
  requiresGrad: boolean;
  /**
   * The accumulated gradient after {@link Tensor.backward}, for leaves (and tensors that called
   * {@link Tensor.retainGrad}). It is owned by this tensor: the next accumulation or `zeroGrad()`
   * disposes it, so copy it if you need it longer.
   */
  grad: Tensor | null = null;
  /** @internal The node that produced this tensor, or null for a leaf. */
  gradNode: GradNode | null;
  /** @internal */
  retainsGrad = false;
  /** @internal */
  ref: DataRef;
  private disposed = false;

  /** @internal Use {@link tensor} and the other creation functions. */
  constructor(ref: DataRef, shape: Shape, requiresGrad = false, gradNode: GradNode | null = null) {
    this.ref = ref;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOfShape(shape);
    this.requiresGrad = requiresGrad;
    this.gradNode = gradNode;
    trackTensor(this);
  }

  /** The backend that holds this tensor's data. */
  get backend(): Backend {
    return this.ref.backend;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether this tensor was created by the user rather than by an op that recorded a graph node. */
  get isLeaf(): boolean {
    return this.gradNode === null;
  }

  /** Whether {@link Tensor.dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** @internal The backend storage; throws a {@link DisposedError} once disposed. */
  storage(op = 'use'): unknown {
    if (this.disposed) {
      throw new DisposedError(`${op}: tensor of shape ${formatShape(this.shape)} was disposed`);
    }
    return this.ref.storage;
  }

  /** Reads the values back to the host, on every backend. */
  async data(): Promise<Float32Array> {
    return this.backend.read(this.storage('data'));
  }

  /** Reads the values back synchronously, where the backend allows it (`backend.supportsSyncRead`). */
  dataSync(): Float32Array {
    return this.backend.readSync(this.storage('dataSync'));
  }

  /** The values as nested arrays (a number for a scalar). */
  async array(): Promise<NestedArray> {
    return toNested(await this.data(), this.shape);
  }

  /** The values as nested arrays, synchronously. */
  arraySync(): NestedArray {
    return toNested(this.dataSync(), this.shape);
  }

  /** The single value of a one-element tensor, synchronously. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor must have exactly one element, got shape ${formatShape(this.shape)}`);
    return this.dataSync()[0];
  }

  /**
   * Frees the storage now (when no other tensor view shares it). Using the tensor afterwards throws a
   * {@link DisposedError}. Calling it twice is harmless.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ref.release();
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /**
   * Replaces this tensor's values, in place, with those of `value` (same shape and backend; the data is
   * shared, not copied). This is how optimizers update parameters and `loadStateDict` loads them, so
   * that every holder of the parameter sees the new values. Only leaves may be assigned.
   */
  assign(value: Tensor): this {
    this.storage('assign');
    value.storage('assign');
    if (this.gradNode !== null) {
      throw new AutogradError('assign: only a leaf tensor can be updated in place; this tensor was produced by an op');
    }
    if (value.backend !== this.backend) {
      throw new BackendError(`assign: value lives on backend '${value.backend.name}', this tensor on '${this.backend.name}'`);
    }
    if (value.shape.length !== this.shape.length || value.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`assign: value must have shape ${formatShape(this.shape)}, got ${formatShape(value.shape)}`);
    }
    if (value.ref === this.ref) return this;
    value.ref.refs += 1;
    const old = this.ref;
    this.ref = value.ref;
    old.release();
    return this;
  }

  /** A tensor that shares this one's data but is cut from the graph (a leaf that does not require grad). */
  detach(): Tensor {
    const ref = this.ref;
    this.storage('detach');
    ref.refs += 1;
    return new Tensor(ref, this.shape, false, null);
  }

  /** Keeps `grad` on this non-leaf tensor after backward (like PyTorch's `retain_grad`). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Sets `requiresGrad` on a leaf and returns it. */
  requiresGrad_(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** Disposes and clears the accumulated gradient. */
  zeroGrad(): void {
    if (this.grad !== null) this.grad.dispose();
    this.grad = null;
  }

  /**
   * Computes the gradient of this tensor with respect to every leaf that requires grad, accumulating
   * into their `grad`. A non-scalar tensor needs `gradOutput` of its shape.
   *
   * @remarks The graph is freed afterwards unless `retainGraph` is set; a second backward through a
   * freed graph throws an `AutogradError`. Gradients accumulate (`+=`): call `zeroGrad()` between steps.
   */
  backward(gradOutput?: Tensor, options: BackwardOptions = {}): void {
    runBackward(this, gradOutput, options);
  }

  /** A short description: shape, backend and whether it requires grad. */
  toString(): string {
    return `Tensor(shape=${formatShape(this.shape)}, backend=${this.backend.name}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- op methods: thin wrappers over the functions in ./ops ----------------------------------
  /** See {@link add}. */ add(other: Tensor | number): Tensor { return ops.add(this, other); }
  /** See {@link sub}. */ sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  /** See {@link mul}. */ mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  /** See {@link div}. */ div(other: Tensor | number): Tensor { return ops.div(this, other); }
  /** See {@link pow}. */ pow(exponent: Tensor | number): Tensor { return ops.pow(this, exponent); }
  /** See {@link neg}. */ neg(): Tensor { return ops.neg(this); }
  /** See {@link exp}. */ exp(): Tensor { return ops.exp(this); }
  /** See {@link log}. */ log(): Tensor { return ops.log(this); }
  /** See {@link sqrt}. */ sqrt(): Tensor { return ops.sqrt(this); }
  /** See {@link abs}. */ abs(): Tensor { return ops.abs(this); }
  /** See {@link sigmoid}. */ sigmoid(): Tensor { return ops.sigmoid(this); }
  /** See {@link tanh}. */ tanh(): Tensor { return ops.tanh(this); }
  /** See {@link relu}. */ relu(): Tensor { return ops.relu(this); }
  /** See {@link gelu}. */ gelu(): Tensor { return ops.gelu(this); }
  /** See {@link softmax}. */ softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  /** See {@link logSoftmax}. */ logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  /** See {@link sum}. */ sum(axes?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  /** See {@link mean}. */ mean(axes?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  /** See {@link max}. */ max(axes?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  /** See {@link min}. */ min(axes?: number | readonly number[], keepDims = false): Tensor { return ops.min(this, axes, keepDims); }
  /** See {@link matmul}. */ matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  /** See {@link reshape}. */ reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  /** See {@link permute}. */ permute(perm: readonly number[]): Tensor { return ops.permute(this, perm); }
  /** See {@link transpose}. */ transpose(axis0 = -2, axis1 = -1): Tensor { return ops.transpose(this, axis0, axis1); }
  /** See {@link slice}. */ slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  /** See {@link clamp}. */ clamp(min?: number, max?: number): Tensor { return ops.clamp(this, min, max); }
  /** See {@link squeeze}. */ squeeze(axes?: number | readonly number[]): Tensor { return ops.squeeze(this, axes); }
  /** See {@link unsqueeze}. */ unsqueeze(axis: number): Tensor { return ops.unsqueeze(this, axis); }
}

/** Nested arrays of numbers, as returned by {@link Tensor.array}. */
export type NestedArray = number | NestedArray[];

function toNested(values: Float32Array, shape: Shape): NestedArray {
  if (shape.length === 0) return values[0];
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const stride = sizeOfShape(shape.slice(dim + 1));
    const out: NestedArray[] = [];
    for (let i = 0; i < n; i++) {
      out.push(dim === shape.length - 1 ? values[offset + i] : build(offset + i * stride, dim + 1));
    }
    return out;
  };
  return build(0, 0);
}

/** @internal Wraps fresh backend storage (refcount 1) as a tensor. */
export function fromStorage(backend: Backend, storage: unknown, shape: Shape, requiresGrad = false, node: GradNode | null = null): Tensor {
  return new Tensor(new DataRef(backend, storage), shape, requiresGrad, node);
}

/** @internal A tensor that shares `source`'s storage under another shape (reshape, squeeze). */
export function viewOf(source: Tensor, shape: Shape, node: GradNode | null): Tensor {
  source.storage('view');
  source.ref.refs += 1;
  return new Tensor(source.ref, shape, node !== null, node);
}

/** Whether `value` is a {@link Tensor} (also across duplicated bundles). */
export function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && (value as { __gatedTensor?: unknown }).__gatedTensor === true;
}
