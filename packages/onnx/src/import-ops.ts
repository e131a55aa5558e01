import {
  ValueError,
  add,
  concat,
  div,
  indexSelect,
  isTensor,
  logSoftmax,
  matmul,
  matmulTransposed,
  mul,
  permute,
  relu,
  reshape,
  sigmoid,
  sizeOfShape,
  slice,
  softmax,
  sub,
  tanh,
  tensor,
  where,
  type Backend,
  type Tensor,
} from '@gated/core';
import { GRU } from '@gated/gru';
import type { LSTM } from '@gated/lstm';
import { Attributes, describeNode } from './attributes';
import { OnnxFormatError } from './errors';
import { hostArray, hostBinary, hostConcat, hostGather, hostSlice, hostTranspose, isHost, sliceIndices, type HostArray } from './host-array';
import { DataType, type NodeMessage } from './proto/codec';
import { hostDTypeOf, readTensorProto } from './tensor-proto';

/** A value flowing through an imported graph: a Gated tensor (float, differentiable) or a host array. @internal */
export type Value = Tensor | HostArray;

/** The operators `importOnnx` runs (default ONNX domain). @internal */
export const SUPPORTED_OPS = [
  'Add', 'Cast', 'Concat', 'Constant', 'ConstantOfShape', 'Div', 'Flatten', 'Gather', 'Gemm', 'GRU', 'Identity', 'LogSoftmax', 'LSTM',
  'MatMul', 'Mul', 'Relu', 'Reshape', 'Shape', 'Sigmoid', 'Slice', 'Softmax', 'Squeeze', 'Sub', 'Tanh', 'Transpose', 'Unsqueeze',
  'Range', 'Less', 'Greater', 'Equal', 'Not', 'Where',
] as const;

/** What a node needs at run time besides its inputs. @internal */
export interface OpContext {
  readonly backend: Backend;
  /** The Gated module built for a GRU/LSTM node. */
  readonly recurrent: GRU | LSTM | null;
}

function shapeOf(v: Value): readonly number[] {
  return v.shape;
}

/** A value as a float tensor on `backend` (host arrays are uploaded; they carry no gradient). @internal */
export function asTensor(v: Value, backend: Backend): Tensor {
  if (isTensor(v)) return v;
  return tensor(Float32Array.from(v.data), v.shape, { backend });
}

/** A host value's integers (shapes, axes, indices), or an error naming the node. */
function ints(v: Value | null, node: NodeMessage, what: string): number[] {
  if (v === null) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} needs its ${what} input`);
  if (!isHost(v)) {
    throw new ValueError(`importOnnx: ${describeNode(node)}: ${what} must be a constant or computed from shapes, not from a float tensor`);
  }
  return Array.from(v.data);
}

function normalizeAxis(axis: number, rank: number, node: NodeMessage): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ValueError(`importOnnx: ${describeNode(node)}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

function reshapeValue(v: Value, shape: readonly number[]): Value {
  return isHost(v) ? hostArray(v.dtype, shape, v.data) : reshape(v, shape);
}

/** Runs one node; returns its outputs in order. @internal */
export function runNode(node: NodeMessage, inputs: readonly (Value | null)[], context: OpContext): (Value | null)[] {
  const attrs = new Attributes(node);
  const x = inputs[0] ?? null;
  const need = (v: Value | null, what: string): Value => {
    if (v === null) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} needs its ${what} input`);
    return v;
  };
  const t = (v: Value | null, what = 'first') => asTensor(need(v, what), context.backend);
  switch (node.opType) {
    case 'Identity':
      return [need(x, 'first')];
    case 'Constant':
      return [constantValue(attrs, node)];
    case 'ConstantOfShape': {
      const shape = ints(x, node, 'shape');
      const valueProto = attrs.tensor('value');
      const value = valueProto === null ? hostArray('float32', [1], [0]) : readTensorProto(valueProto, `the value of ${describeNode(node)}`);
      return [hostArray(value.dtype, shape, new Float64Array(sizeOfShape(shape)).fill(value.data[0] ?? 0))];
    }
    case 'Shape': {
      const shape = shapeOf(need(x, 'first'));
      const rank = shape.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const picked = shape.slice(clamp(attrs.int('start', 0)), clamp(attrs.int('end', rank)));
      return [hostArray('int64', [picked.length], picked)];
    }
    case 'Cast': {
      const to = attrs.int('to', DataType.FLOAT);
      const v = need(x, 'first');
      const dtype = hostDTypeOf(to);
      if (dtype === null) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} casts to unsupported data type ${to}`);
      if (dtype === 'float32') return [isHost(v) ? hostArray('float32', v.shape, v.data.map(Math.fround)) : v];
      const data = isHost(v) ? v.data : Float64Array.from(v.dataSync());
      return [hostArray(dtype, v.shape, dtype === 'bool' ? data.map((d) => (d !== 0 ? 1 : 0)) : data.map(Math.trunc))];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const a = need(x, 'first');
      const b = need(inputs[1] ?? null, 'second');
      if (isHost(a) && isHost(b)) return [hostBinary(node.opType, a, b)];
      const fn = node.opType === 'Add' ? add : node.opType === 'Sub' ? sub : node.opType === 'Mul' ? mul : div;
      return [fn(asTensor(a, context.backend), asTensor(b, context.backend))];
    }
    case 'Sigmoid':
      return [sigmoid(t(x))];
    case 'Tanh':
      return [tanh(t(x))];
    case 'Relu':
      return [relu(t(x))];
    case 'Softmax':
    case 'LogSoftmax': {
      const input = t(x);
      const axis = normalizeAxis(attrs.int('axis', -1), input.rank, node);
      return [node.opType === 'Softmax' ? softmax(input, axis) : logSoftmax(input, axis)];
    }
    case 'MatMul':
      return [matmul(t(x), t(inputs[1] ?? null, 'second'))];
    case 'Gemm': {
      const transA = attrs.int('transA', 0) !== 0;
      const transB = attrs.int('transB', 0) !== 0;
      const alpha = attrs.float('alpha', 1);
      const beta = attrs.float('beta', 1);
      let y = matmulTransposed(t(x), t(inputs[1] ?? null, 'second'), transA, transB);
      if (alpha !== 1) y = mul(y, alpha);
      const c = inputs[2] ?? null;
      if (c !== null) y = add(y, beta === 1 ? t(c) : mul(t(c), beta));
      return [y];
    }
    case 'Transpose': {
      const v = need(x, 'first');
      const rank = shapeOf(v).length;
      const perm = attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      return [isHost(v) ? hostTranspose(v, perm) : permute(v, perm)];
    }
    case 'Reshape': {
      const v = need(x, 'first');
      const target = ints(inputs[1] ?? null, node, 'shape');
      const allowZero = attrs.int('allowzero', 0) !== 0;
      const inShape = shapeOf(v);
      const shape = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
      const inferred = shape.indexOf(-1);
      if (inferred >= 0) {
        const known = shape.reduce((n, d, i) => (i === inferred ? n : n * d), 1);
        shape[inferred] = known === 0 ? 0 : sizeOfShape(inShape) / known;
      }
      if (shape.some((d) => !Number.isInteger(d) || d < 0) || sizeOfShape(shape) !== sizeOfShape(inShape)) {
        throw new ValueError(`importOnnx: ${describeNode(node)} cannot reshape [${inShape.join(', ')}] to [${target.join(', ')}]`);
      }
      return [reshapeValue(v, shape)];
    }
    case 'Flatten': {
      const v = need(x, 'first');
      const s = shapeOf(v);
      const axis = attrs.int('axis', 1);
      const a = axis < 0 ? axis + s.length : axis;
      return [reshapeValue(v, [sizeOfShape(s.slice(0, a)), sizeOfShape(s.slice(a))])];
    }
    case 'Squeeze': {
      const v = need(x, 'first');
      const s = shapeOf(v);
      const axes = inputs[1] ? ints(inputs[1], node, 'axes').map((a) => normalizeAxis(a, s.length, node)) : s.flatMap((d, i) => (d === 1 ? [i] : []));
      for (const a of axes) if (s[a] !== 1) throw new ValueError(`importOnnx: ${describeNode(node)} squeezes axis ${a} of size ${s[a]}`);
      return [reshapeValue(v, s.filter((_, i) => !axes.includes(i)))];
    }
    case 'Unsqueeze': {
      const v = need(x, 'first');
      const s = shapeOf(v);
      const rank = s.length + ints(inputs[1] ?? null, node, 'axes').length;
      const axes = ints(inputs[1] ?? null, node, 'axes').map((a) => normalizeAxis(a, rank, node));
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : s[k++]);
      return [reshapeValue(v, out)];
    }
    case 'Concat': {
      const parts = inputs.filter((v): v is Value => v !== null);
      const axis = normalizeAxis(attrs.int('axis', 0), shapeOf(parts[0]).length, node);
      if (parts.every(isHost)) return [hostConcat(parts, axis)];
      return [concat(parts.map((p) => asTensor(p, context.backend)), axis)];
    }
    case 'Gather': {
      const data = need(x, 'data');
      const indicesValue = need(inputs[1] ?? null, 'indices');
      if (!isHost(indicesValue)) throw new ValueError(`importOnnx: ${describeNode(node)}: indices must be integers (a graph input or a constant), got a float tensor`);
      const axis = normalizeAxis(attrs.int('axis', 0), shapeOf(data).length, node);
      if (isHost(data)) return [hostGather(data, indicesValue, axis)];
      const dim = data.shape[axis];
      const flat = Array.from(indicesValue.data, (v) => (v < 0 ? v + dim : v));
      const picked = indexSelect(data, axis, flat);
      return [reshape(picked, [...data.shape.slice(0, axis), ...indicesValue.shape, ...data.shape.slice(axis + 1)])];
    }
    case 'Slice':
      return [sliceValue(node, inputs)];
    case 'Range': {
      const [start, limit, delta] = [0, 1, 2].map((i) => ints(inputs[i] ?? null, node, ['start', 'limit', 'delta'][i])[0]);
      if (delta === 0) throw new ValueError(`importOnnx: ${describeNode(node)} has delta 0`);
      const count = Math.max(Math.ceil((limit - start) / delta), 0);
      const dtype = isHost(x) ? x.dtype : 'float32';
      return [hostArray(dtype, [count], Array.from({ length: count }, (_, i) => start + i * delta))];
    }
    case 'Less':
    case 'Greater':
    case 'Equal': {
      // Comparisons have no gradient: they are evaluated on the host, from tensors read back if need be.
      const a = hostOf(need(x, 'first'));
      const b = hostOf(need(inputs[1] ?? null, 'second'));
      const diff = hostBinary('Sub', { ...a, dtype: 'float32' }, { ...b, dtype: 'float32' });
      const test = node.opType === 'Less' ? (d: number) => d < 0 : node.opType === 'Greater' ? (d: number) => d > 0 : (d: number) => d === 0;
      return [hostArray('bool', diff.shape, Array.from(diff.data, (d) => (test(d) ? 1 : 0)))];
    }
    case 'Not': {
      const a = hostOf(need(x, 'first'));
      return [hostArray('bool', a.shape, Array.from(a.data, (d) => (d === 0 ? 1 : 0)))];
    }
    case 'Where': {
      const condition = asTensor(hostOf(need(x, 'condition')), context.backend);
      return [where(condition, t(inputs[1] ?? null, 'second'), t(inputs[2] ?? null, 'third'))];
    }
    case 'GRU':
    case 'LSTM':
      return runRecurrent(node, inputs, context);
    default:
      throw new OnnxFormatError(`importOnnx: no implementation for ${describeNode(node)}`);
  }
}

function hostOf(v: Value): HostArray {
  return isHost(v) ? v : hostArray('float32', v.shape, v.dataSync());
}

function constantValue(attrs: Attributes, node: NodeMessage): HostArray {
  const proto = attrs.tensor('value');
  if (proto !== null) return readTensorProto(proto, `the value of ${describeNode(node)}`);
  if (attrs.has('value_float')) return hostArray('float32', [], [attrs.float('value_float', 0)]);
  if (attrs.has('value_int')) return hostArray('int64', [], [attrs.int('value_int', 0)]);
  const floats = attrs.floats('value_floats');
  if (floats !== null) return hostArray('float32', [floats.length], floats);
  const ints = attrs.ints('value_ints');
  if (ints !== null) return hostArray('int64', [ints.length], ints);
  throw new OnnxFormatError(`importOnnx: ${describeNode(node)} has no value`);
}

function sliceValue(node: NodeMessage, inputs: readonly (Value | null)[]): Value {
  const x = inputs[0];
  if (x === null || x === undefined) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} needs its data input`);
  const shape = shapeOf(x);
  const starts = ints(inputs[1] ?? null, node, 'starts');
  const ends = ints(inputs[2] ?? null, node, 'ends');
  const axes = inputs[3] ? ints(inputs[3], node, 'axes') : starts.map((_, i) => i);
  const steps = inputs[4] ? ints(inputs[4], node, 'steps') : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new OnnxFormatError(`importOnnx: ${describeNode(node)} has starts, ends, axes and steps of different lengths`);
  }
  const ranges = starts.map((start, i) => ({ axis: normalizeAxis(axes[i], shape.length, node), start, end: ends[i], step: steps[i] }));
  if (isHost(x)) return hostSlice(x, ranges);
  let out: Tensor = x;
  for (const r of ranges) {
    const picks = sliceIndices(shape[r.axis], r.start, r.end, r.step);
    if (r.step === 1) {
      const begin = shape.map((_, i) => (i === r.axis ? (picks[0] ?? 0) : 0));
      const size = out.shape.map((d, i) => (i === r.axis ? picks.length : d));
      out = slice(out, begin, size);
    } else {
      out = indexSelect(out, r.axis, picks);
    }
  }
  return out;
}

function runRecurrent(node: NodeMessage, inputs: readonly (Value | null)[], context: OpContext): (Value | null)[] {
  const module = context.recurrent;
  if (module === null) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} has no module`);
  const x = asTensor(inputs[0] ?? (null as never), context.backend);
  if (x.rank !== 3) throw new ValueError(`importOnnx: ${describeNode(node)}: X must be [seqLen, batch, inputSize], got [${x.shape.join(', ')}]`);
  const [T, B] = x.shape;
  const lengthsValue = inputs[4] ?? null;
  const lengths = lengthsValue === null ? undefined : ints(lengthsValue, node, 'sequence_lens');
  const h0 = inputs[5] ? asTensor(inputs[5], context.backend) : null;
  const D = module.numDirections;
  const H = module.hiddenSize;
  const toY = (output: Tensor) => permute(reshape(output, [T, B, D, H]), [0, 2, 1, 3]);
  if (module instanceof GRU) {
    const { output, hN } = module.forward(x, h0, lengths === undefined ? {} : { lengths });
    return [toY(output), hN];
  }
  const c0 = inputs[6] ? asTensor(inputs[6], context.backend) : null;
  const { output, hN, cN } = module.forward(x, { h0, c0 }, lengths === undefined ? {} : { lengths });
  return [toY(output), hN, cN];
}
