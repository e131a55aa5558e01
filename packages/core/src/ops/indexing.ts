import { ShapeError, ValueError, formatShape } from '../errors';
import { broadcastShapes, normalizeAxis } from '../tensor/shape';
import { fromStorage, isTensor, type Tensor } from '../tensor/tensor';
import { noGrad } from '../autograd/grad-mode';
import { backendOf, computeUntraced, record, recordComputed, refOf, assertFinite, type TensorLike } from './record';
import { mul, scalarOp, sumToShape, ge, le } from './binary';
import type { Backend } from '../backend/backend';

/** Integer indices: a plain array, an `Int32Array`, or a 1-D tensor of integer values. */
export type Indices = readonly number[] | Int32Array | Tensor;

function indexStorage(op: string, backend: Backend, indices: Indices, bound: number): { storage: unknown; count: number; owned: boolean } {
  if (isTensor(indices)) {
    if (indices.rank !== 1) throw new ShapeError(`${op}: indices must be 1-D, got shape ${formatShape(indices.shape)}`);
    if (indices.backend !== backend) throw new ValueError(`${op}: indices live on backend '${indices.backend.name}', expected '${backend.name}'`);
    if (backend.supportsSyncRead) checkIndices(op, indices.dataSync(), bound);
    return { storage: indices.storage(op), count: indices.size, owned: false };
  }
  const values = Float32Array.from(indices as ArrayLike<number>);
  checkIndices(op, values, bound);
  return { storage: backend.upload(values), count: values.length, owned: true };
}

function checkIndices(op: string, values: ArrayLike<number>, bound: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= bound) {
      throw new ValueError(`${op}: index ${i} is ${v}, expected an integer in [0, ${bound - 1}]`);
    }
  }
}

/**
 * Selects entries along `axis` (`torch.index_select`): the output has `x.shape` with
 * `shape[axis] = indices.length`. Repeated indices are allowed; their gradients add up.
 */
export function indexSelect(x: Tensor, axis: number, indices: Indices): Tensor {
  const backend = backendOf('indexSelect', x);
  const a = normalizeAxis('indexSelect', axis, x.rank);
  const idx = indexStorage('indexSelect', backend, indices, x.shape[a]);
  try {
    const shape = x.shape.map((d, i) => (i === a ? idx.count : d));
    const storage = backend.gather(refOf('indexSelect', x), idx.storage, idx.count, a);
    // Tensor indices are saved for the backward; host indices are re-uploaded there instead of
    // holding device memory for the whole life of the graph.
    const host = isTensor(indices) ? null : indices;
    const inputShape = x.shape;
    return record({
      name: 'indexSelect',
      backend,
      storage,
      shape,
      inputs: [x],
      saved: isTensor(indices) ? [indices] : [],
      attrs: { axis: a, indices: host === null ? null : Array.from(host) },
      backward: (g, { saved }) => {
        const again = indexStorage('indexSelect', backend, host ?? saved[0], inputShape[a]);
        try {
          return [fromStorage(backend, backend.scatterAdd(refOf('indexSelect', g), again.storage, again.count, a, inputShape), inputShape)];
        } finally {
          if (again.owned) backend.dispose(again.storage);
        }
      },
    });
  } finally {
    if (idx.owned) backend.dispose(idx.storage);
  }
}

/**
 * `condition ≠ 0 ? a : b` element-wise with NumPy broadcasting of all three. The condition gets no
 * gradient; `a` and `b` get the gradient where they were chosen.
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const backend = condition.backend;
  const asTensor = (v: TensorLike): Tensor => (typeof v === 'number' ? fromStorage(backend, backend.fill(1, v), []) : v);
  const ta = asTensor(a);
  const tb = asTensor(b);
  backendOf('where', condition, ta, tb);
  const shape = broadcastShapes('where', broadcastShapes('where', condition.shape, ta.shape), tb.shape);
  const storage = backend.where(refOf('where', condition), refOf('where', ta), refOf('where', tb), shape);
  return record({
    name: 'where',
    backend,
    storage,
    shape,
    inputs: [condition, ta, tb],
    backward: (g, { inputs: [condition, ta, tb] }) => {
      const zeros = fromStorage(backend, backend.fill(1, 0), []);
      return [
        null,
        ta.requiresGrad ? sumToShape(where(condition, g, zeros), ta.shape) : null,
        tb.requiresGrad ? sumToShape(where(condition, zeros, g), tb.shape) : null,
      ];
    },
  });
}

/**
 * Limits values to `[min, max]` (either bound may be omitted). The gradient passes where the input
 * lies inside the closed interval, as in PyTorch.
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  if (min !== undefined) assertFinite('clamp', 'min', min);
  if (max !== undefined) assertFinite('clamp', 'max', max);
  if (min !== undefined && max !== undefined && min > max) throw new ValueError(`clamp: min (${min}) must not exceed max (${max})`);
  const value = computeUntraced(() => {
    let v = x;
    if (min !== undefined) v = scalarOp('maximum', v, min);
    if (max !== undefined) v = scalarOp('minimum', v, max);
    return v === x ? scalarOp('mul', x, 1) : v;
  });
  return recordComputed({
    name: 'clamp',
    value,
    inputs: [x],
    attrs: { min: min ?? null, max: max ?? null },
    backward: (g, { inputs: [x] }) => {
      const inside = noGrad(() => {
        let m: Tensor | null = null;
        if (min !== undefined) m = ge(x, min);
        if (max !== undefined) m = m === null ? le(x, max) : mul(m, le(x, max));
        return m;
      });
      return [inside === null ? g : mul(g, inside)];
    },
  });
}
