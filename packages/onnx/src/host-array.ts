import { sizeOfShape } from '@gated/core';
import { OnnxFormatError } from './errors';

/** Element types the importer evaluates on the host. @internal */
export type HostDType = 'float32' | 'int64' | 'int32' | 'bool';

/**
 * A value computed in JavaScript instead of as a Gated tensor: shapes, indices, axes and every
 * constant that does not depend on a trainable parameter (ONNX's "shape-free" subgraphs such as
 * `Shape → Gather → Unsqueeze → Concat → ConstantOfShape`). It never carries a gradient.
 * @internal
 */
export interface HostArray {
  readonly kind: 'host';
  readonly dtype: HostDType;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A host array, its data length checked against its shape. @internal */
export function hostArray(dtype: HostDType, shape: readonly number[], data: ArrayLike<number>): HostArray {
  const size = sizeOfShape(shape);
  if (data.length !== size) throw new OnnxFormatError(`importOnnx: a ${dtype} value of shape [${shape.join(', ')}] needs ${size} elements, got ${data.length}`);
  return { kind: 'host', dtype, shape: [...shape], data: Float64Array.from(data) };
}

/** Whether a value is a {@link HostArray}. @internal */
export function isHost(value: unknown): value is HostArray {
  return typeof value === 'object' && value !== null && (value as HostArray).kind === 'host';
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** NumPy broadcasting of two shapes, or `null` when they do not broadcast. @internal */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Element-wise binary op on host arrays with NumPy broadcasting; integer division truncates, as ONNX's. @internal */
export function hostBinary(op: 'Add' | 'Sub' | 'Mul' | 'Div', a: HostArray, b: HostArray): HostArray {
  const shape = broadcastShape(a.shape, b.shape);
  if (shape === null) throw new OnnxFormatError(`importOnnx: ${op} of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}], which do not broadcast`);
  const integer = a.dtype !== 'float32' && b.dtype !== 'float32';
  const out = new Float64Array(sizeOfShape(shape));
  const index = (h: HostArray, flat: number) => {
    let offset = 0;
    let rest = flat;
    const hs = stridesOf(h.shape);
    const os = stridesOf(shape);
    for (let i = 0; i < shape.length; i++) {
      const coord = Math.floor(rest / os[i]);
      rest -= coord * os[i];
      const axis = i - (shape.length - h.shape.length);
      if (axis >= 0 && h.shape[axis] !== 1) offset += coord * hs[axis];
    }
    return offset;
  };
  for (let i = 0; i < out.length; i++) {
    const x = a.data[index(a, i)];
    const y = b.data[index(b, i)];
    let v = op === 'Add' ? x + y : op === 'Sub' ? x - y : op === 'Mul' ? x * y : x / y;
    if (integer && op === 'Div') v = Math.trunc(v);
    out[i] = integer || a.dtype !== 'float32' ? v : Math.fround(v);
  }
  return hostArray(integer ? a.dtype : 'float32', shape, out);
}

/** `Gather` on a host array along `axis` (negative indices count from the end). @internal */
export function hostGather(data: HostArray, indices: HostArray, axis: number): HostArray {
  const rank = data.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new OnnxFormatError(`importOnnx: Gather axis ${axis} is out of range for rank ${rank}`);
  const dim = data.shape[a];
  const outer = sizeOfShape(data.shape.slice(0, a));
  const inner = sizeOfShape(data.shape.slice(a + 1));
  const idx = Array.from(indices.data, (v) => {
    const n = v < 0 ? v + dim : v;
    if (!Number.isInteger(n) || n < 0 || n >= dim) throw new OnnxFormatError(`importOnnx: Gather index ${v} is out of range for a dimension of ${dim}`);
    return n;
  });
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const i of idx) for (let k = 0; k < inner; k++) out.push(data.data[(o * dim + i) * inner + k]);
  return hostArray(data.dtype, [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)], out);
}

/** `Concat` of host arrays along `axis`. @internal */
export function hostConcat(parts: readonly HostArray[], axis: number): HostArray {
  const first = parts[0];
  const rank = first.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  for (const p of parts) {
    if (p.shape.length !== rank || p.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new OnnxFormatError(`importOnnx: Concat of shapes ${parts.map((q) => `[${q.shape.join(', ')}]`).join(', ')} along axis ${axis}`);
    }
  }
  const outer = sizeOfShape(first.shape.slice(0, a));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const chunk = sizeOfShape(p.shape.slice(a));
      for (let k = 0; k < chunk; k++) out.push(p.data[o * chunk + k]);
    }
  }
  const shape = [...first.shape];
  shape[a] = parts.reduce((n, p) => n + p.shape[a], 0);
  return hostArray(first.dtype, shape, out);
}

/** `Transpose` of a host array. @internal */
export function hostTranspose(x: HostArray, perm: readonly number[]): HostArray {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(shape);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    let rest = i;
    let offset = 0;
    for (let d = 0; d < shape.length; d++) {
      const coord = Math.floor(rest / outStrides[d]);
      rest -= coord * outStrides[d];
      offset += coord * inStrides[perm[d]];
    }
    out[i] = x.data[offset];
  }
  return hostArray(x.dtype, shape, out);
}

/** `Slice` of a host array with ONNX's clamped starts/ends and any non-zero steps. @internal */
export function hostSlice(x: HostArray, ranges: readonly { axis: number; start: number; end: number; step: number }[]): HostArray {
  const picks = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
  for (const r of ranges) picks[r.axis] = sliceIndices(x.shape[r.axis], r.start, r.end, r.step);
  const shape = picks.map((p) => p.length);
  const strides = stridesOf(x.shape);
  const out: number[] = [];
  const walk = (d: number, offset: number) => {
    if (d === shape.length) {
      out.push(x.data[offset]);
      return;
    }
    for (const i of picks[d]) walk(d + 1, offset + i * strides[d]);
  };
  if (sizeOfShape(shape) > 0) walk(0, 0);
  return hostArray(x.dtype, shape, out);
}

/** The indices ONNX `Slice` selects from a dimension of `dim` (starts/ends clamped, negative steps allowed). @internal */
export function sliceIndices(dim: number, start: number, end: number, step: number): number[] {
  if (step === 0 || !Number.isFinite(step)) throw new OnnxFormatError('importOnnx: Slice step must be non-zero');
  const norm = (v: number) => (v < 0 ? v + dim : v);
  let s = norm(start);
  let e = norm(end);
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
  } else {
    s = Math.min(Math.max(s, -1), dim - 1);
    e = Math.min(Math.max(e, -1), dim - 1);
  }
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}
