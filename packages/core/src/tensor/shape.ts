import { ShapeError, ValueError, formatShape } from '../errors';
import type { Shape } from '../backend/backend';

/** Number of elements of a shape (1 for a scalar). For backend authors, like the other shape helpers. */
export function sizeOfShape(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of `shape` (`[2, 3, 4]` → `[12, 4, 1]`). */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/**
 * Strides that read a contiguous tensor of `shape` as if it were broadcast to `outShape` (NumPy
 * rules, aligned on the right): 0 on every axis the tensor lacks or has size 1.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  const strides = new Array<number>(outShape.length).fill(0);
  for (let i = 0; i < shape.length; i++) strides[offset + i] = shape[i] === 1 ? 0 : own[i];
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks that `shape` is a list of non-negative integers. */
export function assertValidShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: shape must be a list of non-negative integers, got ${formatShape(shape)}`);
    }
  }
}

/** NumPy broadcasting of two shapes; throws a {@link ShapeError} naming `op` when they do not broadcast. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis into `[0, rank)`. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    throw new ValueError(`${op}: axis must be an integer in [${-rank}, ${rank - 1}] for a tensor of rank ${rank}, got ${axis}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalises a list of axes (undefined means all), sorted and checked for duplicates. */
export function normalizeAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = list.map((a) => normalizeAxis(op, a, rank)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    if (out[i] === out[i - 1]) throw new ValueError(`${op}: axis ${out[i]} appears more than once in [${list.join(', ')}]`);
  }
  return out;
}

/**
 * The axes along which `shape` was broadcast to reach `target` (for reducing a gradient back to an
 * input's shape): leading axes that `shape` lacks, and axes where `shape` has 1 and `target` does not.
 */
export function broadcastedAxes(shape: Shape, target: Shape): number[] {
  const axes: number[] = [];
  const offset = target.length - shape.length;
  for (let i = 0; i < target.length; i++) {
    if (i < offset || (shape[i - offset] === 1 && target[i] !== 1)) axes.push(i);
  }
  return axes;
}
