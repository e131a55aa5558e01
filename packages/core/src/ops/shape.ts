import { ShapeError, ValueError, formatShape } from '../errors';
import { assertValidShape, broadcastShapes, normalizeAxes, normalizeAxis, shapesEqual, sizeOfShape } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { backendOf, record, recordView, refOf } from './record';
import { sumToShape } from './binary';

/**
 * The same data under a new shape (no copy). One entry may be `-1`, inferred from the size.
 * @example `x.reshape([2, -1])`
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const inferred = inferShape('reshape', x, shape);
  if (shapesEqual(inferred, x.shape)) return x;
  x.storage('reshape');
  return recordView(x, inferred);
}

function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new ValueError(`${op}: at most one dimension may be -1, got ${formatShape(shape)}`);
  if (unknown >= 0) {
    const known = sizeOfShape(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(`${op}: cannot infer -1 in ${formatShape(shape)} for a tensor of shape ${formatShape(x.shape)} (${x.size} elements)`);
    }
    out[unknown] = x.size / known;
  }
  assertValidShape(op, out);
  if (sizeOfShape(out) !== x.size) {
    throw new ShapeError(`${op}: cannot view a tensor of shape ${formatShape(x.shape)} (${x.size} elements) as ${formatShape(shape)} (${sizeOfShape(out)} elements)`);
  }
  return out;
}

/** Flattens axes `startAxis..endAxis` into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.rank === 0) return reshape(x, [1]);
  const s = normalizeAxis('flatten', startAxis, x.rank);
  const e = normalizeAxis('flatten', endAxis, x.rank);
  if (e < s) throw new ValueError(`flatten: endAxis (${endAxis}) must not come before startAxis (${startAxis})`);
  return reshape(x, [...x.shape.slice(0, s), sizeOfShape(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Removes size-1 axes: the given ones (each must have size 1), or all of them. */
export function squeeze(x: Tensor, axes?: number | readonly number[]): Tensor {
  const list = axes === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axes, x.rank);
  for (const a of list) {
    if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${formatShape(x.shape)} has size ${x.shape[a]}, expected 1`);
  }
  return reshape(x, x.shape.filter((_, i) => !list.includes(i)));
}

/** Inserts a size-1 axis at `axis` (in `[-rank-1, rank]`). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.rank + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Reorders the axes: output axis `i` is input axis `perm[i]`. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.rank) {
    throw new ShapeError(`permute: perm must list ${x.rank} axes for a tensor of shape ${formatShape(x.shape)}, got [${perm.join(', ')}]`);
  }
  const p = perm.map((a) => normalizeAxis('permute', a, x.rank));
  if (new Set(p).size !== p.length) throw new ValueError(`permute: perm must be a permutation, got [${perm.join(', ')}]`);
  if (p.every((a, i) => a === i)) return x;
  const backend = backendOf('permute', x);
  const shape = p.map((a) => x.shape[a]);
  const inverse = new Array<number>(p.length);
  p.forEach((a, i) => (inverse[a] = i));
  const storage = backend.permute(refOf('permute', x), p);
  return record({ name: 'permute', backend, storage, shape, inputs: [x], attrs: { perm: p }, backward: (g) => [permute(g, inverse)] });
}

/** Swaps two axes (the last two by default). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.rank < 2 && axis0 === -2 && axis1 === -1) return x;
  const a = normalizeAxis('transpose', axis0, x.rank);
  const b = normalizeAxis('transpose', axis1, x.rank);
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/**
 * The block starting at `begin` with `size` elements on each axis (`-1` means "to the end"; a missing
 * `size` takes everything from `begin`). Negative `begin` counts from the end.
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank || (size !== undefined && size.length !== begin.length)) {
    throw new ShapeError(
      `slice: begin ${formatShape(begin)}${size ? ` and size ${formatShape(size)}` : ''} must have equal length ≤ rank ${x.rank} of shape ${formatShape(x.shape)}`,
    );
  }
  const b = x.shape.map((d, i) => {
    const v = begin[i] ?? 0;
    const n = v < 0 ? v + d : v;
    if (!Number.isInteger(v) || n < 0 || n > d) {
      throw new ValueError(`slice: begin[${i}] must be an integer in [${-d}, ${d}] for shape ${formatShape(x.shape)}, got ${v}`);
    }
    return n;
  });
  const s = x.shape.map((d, i) => {
    const v = size?.[i] ?? -1;
    const n = v === -1 ? d - b[i] : v;
    if (!Number.isInteger(n) || n < 0 || b[i] + n > d) {
      throw new ValueError(`slice: size[${i}] = ${v} from begin ${b[i]} exceeds dimension ${d} of shape ${formatShape(x.shape)}`);
    }
    return n;
  });
  if (shapesEqual(s, x.shape)) return x;
  const backend = backendOf('slice', x);
  const padding = x.shape.map((d, i) => [b[i], d - b[i] - s[i]] as const);
  const storage = backend.slice(refOf('slice', x), b, s);
  return record({ name: 'slice', backend, storage, shape: s, inputs: [x], attrs: { begin: b, size: s }, backward: (g) => [pad(g, padding)] });
}

/** Zero padding: `padding[d] = [before, after]` on each axis `d`. */
export function pad(x: Tensor, padding: readonly (readonly [number, number])[]): Tensor {
  if (padding.length !== x.rank) throw new ShapeError(`pad: padding must have one [before, after] pair per axis (${x.rank}), got ${padding.length}`);
  for (const [before, after] of padding) {
    if (!Number.isInteger(before) || !Number.isInteger(after) || before < 0 || after < 0) {
      throw new ValueError(`pad: padding must be non-negative integers, got [${before}, ${after}]`);
    }
  }
  if (padding.every(([p, q]) => p === 0 && q === 0)) return x;
  const backend = backendOf('pad', x);
  const shape = x.shape.map((d, i) => d + padding[i][0] + padding[i][1]);
  const storage = backend.pad(refOf('pad', x), padding);
  const inputShape = x.shape;
  return record({
    name: 'pad',
    backend,
    storage,
    shape,
    inputs: [x],
    attrs: { padding: padding.map(([p, q]) => [p, q]) },
    backward: (g) => [slice(g, padding.map((p) => p[0]), inputShape)],
  });
}

/** Joins tensors along an existing `axis`; all other dimensions must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('concat: expected at least one tensor, got none');
  const first = tensors[0];
  const a = normalizeAxis('concat', axis, first.rank);
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new ShapeError(`concat: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(first.shape.map((d, j) => (j === a ? NaN : d))).replace('NaN', '*')} (axis ${a})`);
    }
  });
  if (tensors.length === 1) return first;
  const backend = backendOf('concat', ...tensors);
  const shape = [...first.shape];
  shape[a] = tensors.reduce((n, t) => n + t.shape[a], 0);
  const storage = backend.concat(tensors.map((t) => refOf('concat', t)), a, shape);
  return record({ name: 'concat', backend, storage, shape, inputs: tensors, attrs: { axis: a }, backward: (g, { inputs }) => {
    let offset = 0;
    return inputs.map((t) => {
      const begin = g.shape.map((_, j) => (j === a ? offset : 0));
      offset += t.shape[a];
      return t.requiresGrad ? slice(g, begin, t.shape) : null;
    });
  } });
}

/** Joins tensors of equal shape along a new `axis`. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected at least one tensor, got none');
  const a = normalizeAxis('stack', axis, tensors[0].rank + 1);
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, tensors[0].shape)) {
      throw new ShapeError(`stack: tensor ${i} has shape ${formatShape(t.shape)}, expected ${formatShape(tensors[0].shape)} like tensor 0`);
    }
  });
  return concat(tensors.map((t) => unsqueeze(t, a)), a);
}

/** Splits along `axis` into pieces of the given sizes (which must add up to the axis), or into equal pieces of `size`. */
export function split(x: Tensor, sizes: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis('split', axis, x.rank);
  const d = x.shape[a];
  let list: number[];
  if (typeof sizes === 'number') {
    if (!Number.isInteger(sizes) || sizes <= 0) throw new ValueError(`split: size must be a positive integer, got ${sizes}`);
    list = [];
    for (let o = 0; o < d; o += sizes) list.push(Math.min(sizes, d - o));
  } else {
    list = [...sizes];
    if (list.some((s) => !Number.isInteger(s) || s < 0) || list.reduce((p, q) => p + q, 0) !== d) {
      throw new ValueError(`split: sizes [${list.join(', ')}] must be non-negative integers adding up to ${d} (axis ${a} of ${formatShape(x.shape)})`);
    }
  }
  let offset = 0;
  return list.map((n) => {
    const begin = x.shape.map((_, j) => (j === a ? offset : 0));
    const size = x.shape.map((s, j) => (j === a ? n : s));
    offset += n;
    return slice(x, begin, size);
  });
}

/** Splits along `axis` into `chunks` pieces of (almost) equal size, like `torch.chunk`. */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const a = normalizeAxis('chunk', axis, x.rank);
  return split(x, Math.max(1, Math.ceil(x.shape[a] / chunks)), a);
}

/** Broadcasts `x` to `shape` (NumPy rules), materialising the result. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  const out = broadcastShapes('broadcastTo', x.shape, shape);
  if (!shapesEqual(out, shape)) {
    throw new ShapeError(`broadcastTo: cannot broadcast shape ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  if (shapesEqual(x.shape, shape)) return x;
  const backend = backendOf('broadcastTo', x);
  // x · 1 is exact for every float, −0 and NaN included (x + 0 would turn −0 into +0).
  const one = backend.fill(1, 1);
  try {
    const storage = backend.binary('mul', refOf('broadcastTo', x), { storage: one, shape: [] }, out);
    const inputShape = x.shape;
    return record({ name: 'broadcastTo', backend, storage, shape: out, inputs: [x], attrs: { shape: out }, backward: (g) => [sumToShape(g, inputShape)] });
  } finally {
    backend.dispose(one);
  }
}
