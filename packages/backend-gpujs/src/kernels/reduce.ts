import { contiguousStrides, sizeOfShape } from '@gated/core';
import type { ReduceOp, TensorRef } from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { NAN, NEG_INF, POS_INF, SPECIALS, kernelSource, lit, shapeKey, stridedIndexCode } from './source';

/**
 * Reduces `x` over `axes`: one thread per output element, looping over the reduced axes (nested
 * loops with constant bounds). Sums use Kahan compensation, so a long reduction in float32 stays
 * within the accumulation tolerance; max / min return NaN when any element is NaN.
 * Returns null when a reduced axis is empty (the caller fills the identity).
 */
export function reduce(runtime: GpujsRuntime, op: ReduceOp, x: TensorRef<GpujsStorage>, axes: readonly number[]): GpujsStorage | null {
  const reduced = new Set(axes);
  const outShape = x.shape.filter((_, d) => !reduced.has(d));
  const reducedAxes = x.shape.map((_, d) => d).filter((d) => reduced.has(d));
  if (reducedAxes.some((d) => x.shape[d] === 0)) return null;
  const size = sizeOfShape(outShape);
  const key = `reduce:${op}:${shapeKey(x.shape)}:${axes.join(',')}`;
  return runtime.run(`reduce ${op}`, key, () => {
    const strides = contiguousStrides(x.shape);
    const keptStrides = x.shape.map((_, d) => d).filter((d) => !reduced.has(d)).map((d) => strides[d]);
    const lines = [stridedIndexCode(outShape, [{ index: 'ix', strides: keptStrides }])];
    if (op === 'sum') lines.push('let acc = 0.0;', 'let comp = 0.0;');
    else lines.push(`let acc = ${op === 'max' ? NEG_INF : POS_INF};`, 'let sawNaN = 0.0;');
    let offset = 'ix';
    for (const [level, d] of reducedAxes.entries()) {
      lines.push(`${'  '.repeat(level)}for (let p${level} = 0; p${level} < ${x.shape[d]}; p${level}++) {`);
      offset += ` + p${level} * ${lit(strides[d])}`;
    }
    const pad = '  '.repeat(reducedAxes.length);
    lines.push(`${pad}let v = x[${offset}];`);
    if (op === 'sum') {
      lines.push(`${pad}let yk = v - comp;`, `${pad}let tk = acc + yk;`, `${pad}comp = (tk - acc) - yk;`, `${pad}acc = tk;`);
    } else {
      lines.push(`${pad}if (v != v) { sawNaN = 1.0; }`, `${pad}acc = Math.${op}(acc, v);`);
    }
    for (let level = reducedAxes.length - 1; level >= 0; level--) lines.push(`${'  '.repeat(level)}}`);
    if (op !== 'sum') lines.push(`if (sawNaN == 1.0) { return ${NAN}; }`);
    lines.push('return acc;');
    return { source: kernelSource(['x', SPECIALS], lines.join('\n  ')), size };
  }, [x.storage, runtime.specials()]);
}
