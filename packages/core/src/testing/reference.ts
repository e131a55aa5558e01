import { contiguousStrides, sizeOfShape } from '../tensor/shape';

/**
 * A plain float64 n-dimensional array and the handful of operations the conformance suite needs to
 * compute expected values independently of any backend.
 */
export class Float64Tensor {
  constructor(
    readonly shape: readonly number[],
    readonly data: Float64Array,
  ) {}

  static from(shape: readonly number[], values: ArrayLike<number>): Float64Tensor {
    return new Float64Tensor([...shape], Float64Array.from(values));
  }

  get size(): number {
    return this.data.length;
  }
}


/** Visits every multi-index of `shape` in row-major order. */
function forEachIndex(shape: readonly number[], fn: (index: number[], flat: number) => void): void {
  const n = sizeOfShape(shape);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    fn(index, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

/** Element-wise map. */
export function refMap(x: Float64Tensor, fn: (v: number) => number): Float64Tensor {
  return new Float64Tensor(x.shape, x.data.map(fn));
}

/** NumPy broadcast of two shapes (assumed compatible). */
export function refBroadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

function broadcastOffset(shape: readonly number[], outShape: readonly number[]): (index: number[]) => number {
  const strides = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return (index) => {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) o += index[d + offset] * strides[d];
    return o;
  };
}

/** Broadcasting element-wise function of any number of arrays. */
export function refZip(inputs: readonly Float64Tensor[], fn: (...v: number[]) => number): Float64Tensor {
  const outShape = inputs.map((t) => t.shape).reduce((a, b) => refBroadcastShape(a, b), [] as readonly number[]);
  const offsets = inputs.map((t) => broadcastOffset(t.shape, outShape));
  const out = new Float64Array(sizeOfShape(outShape));
  forEachIndex(outShape, (index, flat) => {
    out[flat] = fn(...inputs.map((t, i) => t.data[offsets[i](index)]));
  });
  return new Float64Tensor(outShape, out);
}

/** Reduction over `axes` with `keepDims`. */
export function refReduce(x: Float64Tensor, axes: readonly number[], keepDims: boolean, init: number, fn: (acc: number, v: number) => number): Float64Tensor {
  const norm = axes.map((a) => (a < 0 ? a + x.shape.length : a));
  const kept = x.shape.map((d, i) => (norm.includes(i) ? 1 : d));
  const out = new Float64Array(sizeOfShape(kept)).fill(init);
  const keptStrides = contiguousStrides(kept);
  forEachIndex(x.shape, (index, flat) => {
    let o = 0;
    for (let d = 0; d < index.length; d++) if (!norm.includes(d)) o += index[d] * keptStrides[d];
    out[o] = fn(out[o], x.data[flat]);
  });
  const shape = keepDims ? kept : x.shape.filter((_, i) => !norm.includes(i));
  return new Float64Tensor(shape, out);
}

/** Batched matrix product of rank ≥ 2 operands with broadcasting batch dimensions. */
export function refMatmul(a: Float64Tensor, b: Float64Tensor): Float64Tensor {
  const m = a.shape[a.shape.length - 2];
  const k = a.shape[a.shape.length - 1];
  const n = b.shape[b.shape.length - 1];
  const batch = refBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const aOff = broadcastOffset([...a.shape.slice(0, -2)], batch);
  const bOff = broadcastOffset([...b.shape.slice(0, -2)], batch);
  const out = new Float64Array(sizeOfShape(batch) * m * n);
  forEachIndex(batch, (index, flat) => {
    const ao = aOff(index) * m * k;
    const bo = bOff(index) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
        out[flat * m * n + i * n + j] = s;
      }
    }
  });
  return new Float64Tensor([...batch, m, n], out);
}

/** Axis permutation. */
export function refPermute(x: Float64Tensor, perm: readonly number[]): Float64Tensor {
  const shape = perm.map((p) => x.shape[p]);
  const inStrides = contiguousStrides(x.shape);
  const out = new Float64Array(x.size);
  forEachIndex(shape, (index, flat) => {
    let o = 0;
    for (let d = 0; d < perm.length; d++) o += index[d] * inStrides[perm[d]];
    out[flat] = x.data[o];
  });
  return new Float64Tensor(shape, out);
}

/** The block `begin .. begin + size`. */
export function refSlice(x: Float64Tensor, begin: readonly number[], size: readonly number[]): Float64Tensor {
  const inStrides = contiguousStrides(x.shape);
  const out = new Float64Array(sizeOfShape(size));
  forEachIndex(size, (index, flat) => {
    let o = 0;
    for (let d = 0; d < size.length; d++) o += (index[d] + begin[d]) * inStrides[d];
    out[flat] = x.data[o];
  });
  return new Float64Tensor(size, out);
}

/** Concatenation along `axis`. */
export function refConcat(xs: readonly Float64Tensor[], axis: number): Float64Tensor {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
  const out = new Float64Array(sizeOfShape(shape));
  const outStrides = contiguousStrides(shape);
  let offset = 0;
  for (const t of xs) {
    forEachIndex(t.shape, (index, flat) => {
      let o = 0;
      for (let d = 0; d < index.length; d++) o += (d === axis ? index[d] + offset : index[d]) * outStrides[d];
      out[o] = t.data[flat];
    });
    offset += t.shape[axis];
  }
  return new Float64Tensor(shape, out);
}

/** Selection of `indices` along `axis`. */
export function refGather(x: Float64Tensor, indices: readonly number[], axis: number): Float64Tensor {
  const shape = x.shape.map((d, i) => (i === axis ? indices.length : d));
  const inStrides = contiguousStrides(x.shape);
  const out = new Float64Array(sizeOfShape(shape));
  forEachIndex(shape, (index, flat) => {
    let o = 0;
    for (let d = 0; d < index.length; d++) o += (d === axis ? indices[index[d]] : index[d]) * inStrides[d];
    out[flat] = x.data[o];
  });
  return new Float64Tensor(shape, out);
}

/** The same data under another shape. */
export function refReshape(x: Float64Tensor, shape: readonly number[]): Float64Tensor {
  return new Float64Tensor([...shape], x.data);
}

/** The exact error function in float64 (Abramowitz–Stegun 7.1.26 is too coarse; this series/continued fraction is ~1e-15). */
export function erf64(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? NaN : Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 100; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // Continued fraction for erfc (Lentz), accurate for x ≥ 2.5.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}
