import { contiguousStrides, type Shape } from '@gated/core';

/**
 * Helpers that write gpu.js kernel sources. Kernels are generated as strings per shape signature:
 * shapes and strides become literals, so each kernel is specialised and built once (see
 * `KernelCache`), and no bundler or minifier can rewrite a kernel body that gpu.js must parse.
 *
 * Index arithmetic is done in float32, which is exact for integers below 2^24; `Limits` refuses
 * larger tensors before a kernel runs. Quotients use `floor((r + 0.5) / d)`, which stays exact even
 * where a GPU's division is off by an ulp.
 */

/** A float literal that GLSL accepts (`6` → `6.0`). Only for finite values. */
export function lit(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`lit: ${value} is not finite`);
  const text = String(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

/**
 * Name of the kernel argument that holds `[NaN, +Infinity, −Infinity]`. gpu.js writes `Infinity` as
 * FLT_MAX in GLSL and rejects NaN literals, so kernels that must produce them read them from a
 * three-element input instead.
 */
export const SPECIALS = 'sp';
export const NAN = `${SPECIALS}[0]`;
export const POS_INF = `${SPECIALS}[1]`;
export const NEG_INF = `${SPECIALS}[2]`;

/** An operand read at a strided position of the output's multi-index. */
export interface StridedOperand {
  /** The local variable that receives the flat index, e.g. `ia`. */
  readonly index: string;
  /** One stride per output axis (0 where the operand is broadcast). */
  readonly strides: readonly number[];
  /**
   * Added to the index: a constant, or the name of a numeric kernel argument (so that one kernel
   * serves every offset, e.g. a slice at each time step). @defaultValue 0
   */
  readonly offset?: number | string;
}

/**
 * Statements that decompose the output index `this.thread.x` over `outShape` and accumulate, for each
 * operand, `offset + Σ coordinate[d] · strides[d]` into its index variable.
 */
export function stridedIndexCode(outShape: Shape, operands: readonly StridedOperand[]): string {
  const lines: string[] = ['let r = this.thread.x;'];
  for (const op of operands) lines.push(`let ${op.index} = ${typeof op.offset === 'string' ? op.offset : lit(op.offset ?? 0)};`);
  const outStrides = contiguousStrides(outShape);
  let last = -1;
  for (let d = 0; d < outShape.length; d++) if (outShape[d] > 1) last = d;
  for (let d = 0; d <= last; d++) {
    if (outShape[d] === 1) continue;
    const used = operands.filter((op) => op.strides[d] !== 0);
    if (d === last) {
      for (const op of used) lines.push(`${op.index} = ${op.index} + r * ${lit(op.strides[d])};`);
      continue;
    }
    lines.push(`let q${d} = Math.floor((r + 0.5) / ${lit(outStrides[d])});`);
    lines.push(`r = r - q${d} * ${lit(outStrides[d])};`);
    for (const op of used) lines.push(`${op.index} = ${op.index} + q${d} * ${lit(op.strides[d])};`);
  }
  return lines.join('\n  ');
}

/** A kernel function source over `args`, with `body` as its statements. */
export function kernelSource(args: readonly string[], body: string): string {
  return `function (${args.join(', ')}) {\n  ${body}\n}`;
}

/** A compact, unambiguous key fragment for a shape. */
export function shapeKey(shape: Shape): string {
  return `[${shape.join(',')}]`;
}
