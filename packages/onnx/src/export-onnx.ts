import { Embedding, Linear, Module, ValueError, checkOptions, isTensor, traceOps, type NestedArray, type OpEvent, type Tensor } from '@gated/core';
import { AttentionPooling, GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';
import { OnnxExportError } from './errors';
import { emitAttentionPooling, emitEmbedding, emitLinear, emitRecurrent } from './export-modules';
import { GraphBuilder } from './graph-builder';
import { DataType, encodeModel } from './proto/codec';

/** The opsets {@link exportOnnx} can write (the reductions it emits take their axes as attributes up to 17). */
export const EXPORT_OPSETS = { min: 14, max: 17 } as const;

/** An example input of {@link exportOnnx}: a tensor, or integers (token ids as nested arrays, `lengths` as an array). */
export type ExportInput = Tensor | NestedArray | Int32Array;

/**
 * What the traced function may return: one tensor, a list of tensors, or an object whose properties
 * are the named outputs (such as `GRUResult`'s `output` and `hN`; `null` properties are skipped).
 */
export type ExportResult = Tensor | readonly Tensor[] | object;

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** Names of the outputs when the function returns one tensor or a list. @defaultValue `output`, or `output_0`, `output_1`, … */
  outputNames?: readonly string[];
  /**
   * Symbolic axes per input, e.g. `{ x: { 0: 'batch', 1: 'seq' } }`. An input listed here has exactly
   * these axes dynamic; an input not listed has every axis dynamic except the last axis of a float
   * tensor of rank ≥ 2 (its features).
   * @defaultValue every non-feature axis dynamic
   */
  dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** The default-domain opset. @defaultValue 17 */
  opsetVersion?: number;
  /** A module whose parameter names name the initializers (taken from `model` when it is a module). @defaultValue none */
  module?: Module;
  /** `producer_name` in the file. @defaultValue 'gated' */
  producerName?: string;
}

const OPTION_SPEC = { outputNames: 'any', dynamicAxes: 'object', opsetVersion: 'number', module: 'object', producerName: 'string' } as const;

interface InputInfo {
  readonly name: string;
  readonly example: ExportInput;
  readonly shape: number[];
  dtype: number | null;
}

/** @internal The state of one export: names of traced tensors and the graph being built. */
export class Tracer {
  readonly builder = new GraphBuilder();
  readonly names = new Map<Tensor, string>();
  readonly inputs: InputInfo[] = [];
  private readonly arrays = new Map<object, InputInfo>();
  private readonly tensorInputs = new Map<Tensor, InputInfo>();
  private readonly parameterNames = new Map<Tensor, string>();
  private readonly innerProduced = new WeakSet<Tensor>();
  private readonly moduleNames = new Map<Module, string>();
  /** How many wrapped module calls are running: ops inside them are not traced again. */
  depth = 0;

  constructor(module: Module | undefined) {
    if (module !== undefined) {
      for (const [name, p] of module.namedParameters()) this.parameterNames.set(p, name);
      for (const [name, m] of module.namedModules()) this.moduleNames.set(m, name);
    }
  }

  addInput(name: string, example: ExportInput): void {
    const reserved = this.builder.reserve(name);
    if (reserved !== name) throw new ValueError(`exportOnnx: input name '${name}' is used twice`);
    const info: InputInfo = { name, example, shape: shapeOfExample(name, example), dtype: null };
    this.inputs.push(info);
    if (isTensor(example)) {
      this.names.set(example, name);
      this.tensorInputs.set(example, info);
    } else {
      this.arrays.set(example as object, info);
    }
  }

  /** The module's dotted name (for initializer names), or a fresh one. */
  moduleName(module: Module, fallback: string): string {
    let name = this.moduleNames.get(module);
    if (name === undefined || name === '') {
      name = this.builder.fresh(fallback);
      this.moduleNames.set(module, name);
    }
    return name;
  }

  /** The graph value of a tensor: a traced result, an input, or a constant initializer (a parameter keeps its name). */
  nameOf(t: Tensor, role = 'a value'): string {
    const known = this.names.get(t);
    if (known !== undefined) {
      const input = this.tensorInputs.get(t);
      if (input !== undefined) this.setType(input, DataType.FLOAT, role);
      return known;
    }
    if (this.innerProduced.has(t)) {
      throw new OnnxExportError(`exportOnnx: ${role} is an intermediate tensor of a module the exporter writes as one node (e.g. AttentionPooling's penalty); it cannot be exported`);
    }
    const name = this.builder.floatInitializer(this.parameterNames.get(t) ?? 'const', t.shape, t.dataSync());
    this.names.set(t, name);
    return name;
  }

  /** The graph value of integer data (token ids, lengths): an input when it is one, else a constant. */
  integerName(value: Tensor | NestedArray | Int32Array | readonly number[], dtype: number, role: string): string {
    const info = isTensor(value) ? this.tensorInputs.get(value) : this.arrays.get(value as object);
    if (info !== undefined) {
      this.setType(info, dtype, role);
      return info.name;
    }
    const flat = isTensor(value) ? Array.from(value.dataSync()) : (flatten(value as NestedArray) as number[]);
    const shape = isTensor(value) ? value.shape : shapeOfExample(role, value as ExportInput);
    if (dtype === DataType.INT32) {
      const name = this.builder.fresh('lengths_const');
      this.builder.initializers.push(tensorInt32(name, shape, flat));
      return name;
    }
    return this.builder.int64Initializer('indices_const', shape, flat);
  }

  private setType(info: InputInfo, dtype: number, role: string): void {
    if (info.dtype !== null && info.dtype !== dtype) {
      throw new OnnxExportError(`exportOnnx: input '${info.name}' is used both as ${dtypeName(info.dtype)} and as ${dtypeName(dtype)} (${role})`);
    }
    info.dtype = dtype;
  }

  /** Marks `t` as produced inside a wrapped module call. */
  markInner(t: Tensor): void {
    this.innerProduced.add(t);
  }

  /** Translates one traced op into ONNX nodes. */
  onOp(event: OpEvent): void {
    if (this.depth > 0) {
      this.markInner(event.output);
      return;
    }
    const name = translateOp(this, event);
    this.names.set(event.output, name);
  }
}

function tensorInt32(name: string, shape: readonly number[], data: readonly number[]): Record<string, unknown> {
  const bytes = new Uint8Array(data.length * 4);
  const view = new DataView(bytes.buffer);
  data.forEach((v, i) => view.setInt32(i * 4, v, true));
  return { name, dims: [...shape], dataType: DataType.INT32, rawData: bytes };
}

function dtypeName(dtype: number): string {
  return dtype === DataType.FLOAT ? 'a float tensor' : dtype === DataType.INT32 ? 'int32 lengths' : 'int64 indices';
}

function flatten(value: NestedArray | Int32Array | readonly number[]): number[] {
  if (typeof value === 'number') return [value];
  const out: number[] = [];
  for (const v of Array.from(value as ArrayLike<NestedArray>)) out.push(...flatten(v));
  return out;
}

function shapeOfExample(name: string, example: ExportInput): number[] {
  if (isTensor(example)) return [...example.shape];
  if (example instanceof Int32Array) return [example.length];
  const shape: number[] = [];
  let level: unknown = example;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  if (typeof level !== 'number') throw new ValueError(`exportOnnx: input '${name}' must be a Tensor, an Int32Array or (nested) arrays of numbers, got ${typeof level}`);
  return shape;
}

const UNARY: Record<string, string> = {
  neg: 'Neg', abs: 'Abs', sign: 'Sign', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', reciprocal: 'Reciprocal',
  sigmoid: 'Sigmoid', tanh: 'Tanh', relu: 'Relu', erf: 'Erf',
};
const BINARY: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', pow: 'Pow', maximum: 'Max', minimum: 'Min' };
const COMPARISON: Record<string, string> = { eq: 'Equal', lt: 'Less', le: 'LessOrEqual', gt: 'Greater', ge: 'GreaterOrEqual', ne: 'Equal' };

function translateOp(tracer: Tracer, event: OpEvent): string {
  const b = tracer.builder;
  const { op, inputs, attrs, output } = event;
  const input = (i: number) => tracer.nameOf(inputs[i], `input ${i} of ${op}`);
  const scalarOperands = (): [string, string] => {
    const x = input(0);
    if (inputs.length === 2) return [x, input(1)];
    const s = b.scalar(attrs.scalar as number);
    return attrs.scalarFirst === true ? [s, x] : [x, s];
  };
  if (op in UNARY) return b.node(UNARY[op], [input(0)])[0];
  if (op in BINARY) return b.node(BINARY[op], scalarOperands())[0];
  if (op in COMPARISON) {
    let result = b.node(COMPARISON[op], scalarOperands())[0];
    if (op === 'ne') result = b.node('Not', [result])[0];
    return b.node('Cast', [result], { to: DataType.FLOAT })[0];
  }
  switch (op) {
    case 'square': {
      const x = input(0);
      return b.node('Mul', [x, x])[0];
    }
    case 'log1p':
      return b.node('Log', [b.node('Add', [input(0), b.scalar(1)])[0]])[0];
    case 'gelu': {
      const x = input(0);
      const erf = b.node('Erf', [b.node('Mul', [x, b.scalar(Math.SQRT1_2)])[0]])[0];
      return b.node('Mul', [b.node('Mul', [x, b.scalar(0.5)])[0], b.node('Add', [erf, b.scalar(1)])[0]])[0];
    }
    case 'matmul': {
      const swap = (name: string, rank: number) => b.node('Transpose', [name], { perm: [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2] })[0];
      const a = attrs.transposeA === true ? swap(input(0), inputs[0].rank) : input(0);
      const c = attrs.transposeB === true ? swap(input(1), inputs[1].rank) : input(1);
      return b.node('MatMul', [a, c])[0];
    }
    case 'sum':
      return b.node('ReduceSum', [input(0), b.ints('axes', attrs.axes as number[])], { keepdims: attrs.keepDims === true ? 1 : 0 })[0];
    case 'mean':
    case 'max':
    case 'min': {
      const onnx = op === 'mean' ? 'ReduceMean' : op === 'max' ? 'ReduceMax' : 'ReduceMin';
      return b.node(onnx, [input(0)], { axes: attrs.axes as number[], keepdims: attrs.keepDims === true ? 1 : 0 })[0];
    }
    case 'softmax':
    case 'logSoftmax':
      return b.node(op === 'softmax' ? 'Softmax' : 'LogSoftmax', [input(0)], { axis: attrs.axis as number })[0];
    case 'permute':
      return b.node('Transpose', [input(0)], { perm: attrs.perm as number[] })[0];
    case 'reshape':
      return reshapeNode(tracer, input(0), inputs[0].shape, attrs.shape as number[]);
    case 'slice': {
      const begin = attrs.begin as number[];
      const size = attrs.size as number[];
      const axes = begin.flatMap((v, i) => (v !== 0 || size[i] !== inputs[0].shape[i] ? [i] : []));
      if (axes.length === 0) return b.node('Identity', [input(0)])[0];
      return b.node('Slice', [input(0), b.ints('starts', axes.map((a) => begin[a])), b.ints('ends', axes.map((a) => begin[a] + size[a])), b.ints('axes', axes)])[0];
    }
    case 'pad': {
      const padding = attrs.padding as [number, number][];
      return b.node('Pad', [input(0), b.ints('pads', [...padding.map((p) => p[0]), ...padding.map((p) => p[1])])])[0];
    }
    case 'concat':
      return b.node('Concat', inputs.map((_, i) => input(i)), { axis: attrs.axis as number })[0];
    case 'broadcastTo':
      return b.node('Expand', [input(0), b.ints('shape', attrs.shape as number[])])[0];
    case 'indexSelect': {
      const indices = attrs.indices as number[] | null;
      if (indices === null) throw new OnnxExportError('exportOnnx: indexSelect with tensor indices cannot be exported; pass the indices as an array');
      return b.node('Gather', [input(0), b.int64Initializer('indices', [indices.length], indices)], { axis: attrs.axis as number })[0];
    }
    case 'where': {
      const condition = b.node('Cast', [input(0)], { to: DataType.BOOL })[0];
      return b.node('Where', [condition, input(1), input(2)])[0];
    }
    case 'clamp': {
      const min = attrs.min as number | null;
      const max = attrs.max as number | null;
      return b.node('Clip', [input(0), min === null ? '' : b.scalar(min), max === null ? '' : b.scalar(max)])[0];
    }
    default:
      if (/^(GRU|LSTM)/.test(op) || op === 'reverseSequences') {
        throw new OnnxExportError(
          `exportOnnx: op '${op}' is recurrent work outside a GRU or LSTM module (GRUCell, LSTMCell or the layer functions), which ONNX cannot express step by step; use the GRU or LSTM module, which becomes native ONNX GRU/LSTM nodes`,
        );
      }
      throw new OnnxExportError(`exportOnnx: op '${op}' (output [${output.shape.join(', ')}]) has no ONNX translation`);
  }
}

/**
 * A reshape as ONNX nodes that stay valid for other batch and sequence sizes: `Squeeze` /
 * `Unsqueeze` when only size-1 axes are removed or inserted, else `Reshape` copying the leading
 * dimensions that are unchanged (`0`) and inferring one (`-1`).
 */
function reshapeNode(tracer: Tracer, x: string, from: readonly number[], to: readonly number[]): string {
  const b = tracer.builder;
  const removed = alignOnes(from, to);
  if (removed !== null) return b.node('Squeeze', [x, b.ints('axes', removed)])[0];
  const inserted = alignOnes(to, from);
  if (inserted !== null) return b.node('Unsqueeze', [x, b.ints('axes', inserted)])[0];
  const target = [...to];
  let prefix = 0;
  while (prefix < Math.min(from.length, to.length) && from[prefix] === to[prefix]) {
    target[prefix] = 0;
    prefix++;
  }
  if (prefix < target.length) target[prefix] = -1;
  return b.node('Reshape', [x, b.ints('shape', target)])[0];
}

/** The axes of `long` that are 1 and absent from `short` (all else equal, in order), or `null`. */
function alignOnes(long: readonly number[], short: readonly number[]): number[] | null {
  if (long.length <= short.length) return null;
  const axes: number[] = [];
  let j = 0;
  for (let i = 0; i < long.length; i++) {
    if (j < short.length && long[i] === short[j]) j++;
    else if (long[i] === 1) axes.push(i);
    else return null;
  }
  return j === short.length ? axes : null;
}

type Forward = (this: unknown, ...args: unknown[]) => unknown;

/** Replaces `forward` on a prototype for the duration of the trace: one call becomes one set of high-level nodes. */
function wrapForward(tracer: Tracer, prototype: { forward: Forward }, emit: (module: never, args: unknown[], result: never) => void): () => void {
  const original = prototype.forward;
  prototype.forward = function wrapped(this: unknown, ...args: unknown[]) {
    if (tracer.depth > 0) return original.apply(this, args);
    tracer.depth++;
    let result: unknown;
    try {
      result = original.apply(this, args);
    } finally {
      tracer.depth--;
    }
    emit(this as never, args, result as never);
    return result;
  };
  return () => {
    prototype.forward = original;
  };
}

function collectOutputs(result: unknown, options: ExportOnnxOptions): [string, Tensor][] {
  if (isTensor(result)) return [[options.outputNames?.[0] ?? 'output', result]];
  if (Array.isArray(result)) {
    return result.map((t, i) => {
      if (!isTensor(t)) throw new OnnxExportError(`exportOnnx: output ${i} is not a Tensor`);
      return [options.outputNames?.[i] ?? `output_${i}`, t];
    });
  }
  if (result !== null && typeof result === 'object') {
    const entries: [string, Tensor][] = [];
    for (const [key, value] of Object.entries(result)) {
      if (value === null || value === undefined) continue;
      if (!isTensor(value)) throw new OnnxExportError(`exportOnnx: output '${key}' is not a Tensor (got ${typeof value})`);
      entries.push([key, value]);
    }
    if (entries.length === 0) throw new OnnxExportError('exportOnnx: the function returned no tensors');
    return entries;
  }
  throw new OnnxExportError(`exportOnnx: the function must return a Tensor, an array or an object of tensors, got ${typeof result}`);
}

/**
 * Traces one forward call and writes it as an ONNX model (opset 17 by default, IR version 8).
 *
 * @remarks
 * `GRU` and `LSTM` modules become native ONNX `GRU` / `LSTM` nodes, one per layer (PyTorch's GRU is
 * `linear_before_reset = 1`, the reset-before variant `0`; gates reordered to ONNX's z, r, h and
 * i, o, f, c), with `h0`/`c0` sliced per layer and `lengths` as `sequence_lens`. `Linear` becomes
 * `Gemm` (or `MatMul` + `Add` above rank 2), `Embedding` a `Gather` on the token input,
 * `AttentionPooling` its attention math with the padding mask computed from the lengths input, and
 * every other Gated op its ONNX operator. Dropout in eval mode writes nothing. Parameters are stored
 * as `raw_data` initializers named after the module's parameters.
 *
 * `model` is a function of the example inputs (called once with them), or a module, called as
 * `model.forward(...Object.values(exampleInputs))`. A tensor or an integer array passed as an example
 * input becomes a graph input wherever the traced code uses that same object.
 *
 * The trace is core's `traceOps` plus, for its synchronous duration only, a wrapper around the
 * `forward` methods of `GRU`, `LSTM`, `AttentionPooling`, `Linear` and `Embedding`: each call of one
 * becomes its high-level nodes, and the ops inside it are not traced a second time. The original
 * methods are restored before `exportOnnx` returns or throws.
 *
 * @example
 * ```ts
 * import { randn, setBackend } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { GRU } from '@gated/gru';
 * import { exportOnnx } from '@gated/onnx';
 *
 * setBackend(new CpuBackend());
 * const gru = new GRU({ inputSize: 8, hiddenSize: 16, numLayers: 2, batchFirst: true });
 * const x = randn([4, 10, 8]);
 * const lengths = [10, 7, 3, 9];
 * const bytes = exportOnnx((i) => gru.forward(i.x, null, { lengths: i.lengths }), { x, lengths }, { module: gru });
 * // inputs x [x_dim0, x_dim1, 8] and lengths [lengths_dim0] (int32); outputs output and hN
 * ```
 *
 * @throws OnnxExportError naming the op or module that has no ONNX form; OptionsError for an unknown
 *   option; ValueError for an invalid opset or inputs.
 */
export function exportOnnx<I extends Record<string, ExportInput>>(
  model: Module | ((inputs: I) => ExportResult),
  exampleInputs: I,
  rawOptions?: ExportOnnxOptions | null,
): Uint8Array {
  const options: ExportOnnxOptions = checkOptions(rawOptions, { where: 'exportOnnx(model, exampleInputs, options)', spec: OPTION_SPEC });
  const outputNames = options.outputNames;
  if (outputNames !== undefined && (!Array.isArray(outputNames) || outputNames.some((n) => typeof n !== 'string' || n === ''))) {
    throw new ValueError(`exportOnnx: outputNames must be an array of non-empty strings, got ${JSON.stringify(outputNames)}`);
  }
  const opset = options.opsetVersion ?? 17;
  if (!Number.isInteger(opset) || opset < EXPORT_OPSETS.min || opset > EXPORT_OPSETS.max) {
    throw new ValueError(`exportOnnx: opsetVersion must be an integer in [${EXPORT_OPSETS.min}, ${EXPORT_OPSETS.max}], got ${String(opset)}`);
  }
  if (exampleInputs === null || typeof exampleInputs !== 'object' || Array.isArray(exampleInputs)) {
    throw new ValueError('exportOnnx: exampleInputs must be an object of named inputs, e.g. { x }');
  }
  const module = options.module ?? (model instanceof Module ? model : undefined);
  const fn: (inputs: I) => ExportResult =
    model instanceof Module
      ? (inputs) => (model as unknown as { forward: (...args: unknown[]) => ExportResult }).forward(...Object.values(inputs))
      : model;
  if (typeof fn !== 'function') throw new ValueError(`exportOnnx: model must be a Module or a function, got ${typeof model}`);

  const tracer = new Tracer(module);
  for (const [name, example] of Object.entries(exampleInputs)) tracer.addInput(name, example);
  const restore = [
    wrapForward(tracer, GRU.prototype as never, (m: GRU, args, result) => emitRecurrent(tracer, m, args, result)),
    wrapForward(tracer, LSTM.prototype as never, (m: LSTM, args, result) => emitRecurrent(tracer, m, args, result)),
    wrapForward(tracer, AttentionPooling.prototype as never, (m: AttentionPooling, args, result) => emitAttentionPooling(tracer, m, args, result)),
    wrapForward(tracer, Linear.prototype as never, (m: Linear, args, result) => emitLinear(tracer, m, args, result)),
    wrapForward(tracer, Embedding.prototype as never, (m: Embedding, args, result) => emitEmbedding(tracer, m, args, result)),
  ];
  let result: ExportResult;
  try {
    result = traceOps(() => fn(exampleInputs), (event) => tracer.onOp(event));
  } finally {
    for (const undo of restore) undo();
  }

  const b = tracer.builder;
  const outputs = collectOutputs(result, options).map(([name, t]) => {
    const source = tracer.nameOf(t, `output '${name}'`);
    const outName = b.reserve(name);
    b.node('Identity', [source], {}, [outName]);
    return { name: outName, type: { tensorType: { elemType: DataType.FLOAT } } };
  });
  const graphInputs = tracer.inputs.map((info) => {
    const dtype = info.dtype ?? (isTensor(info.example) ? DataType.FLOAT : DataType.INT64);
    const axes = options.dynamicAxes?.[info.name];
    const dim = info.shape.map((d, i) => {
      const symbolic = axes !== undefined ? axes[i] : dtype === DataType.FLOAT && info.shape.length >= 2 && i === info.shape.length - 1 ? undefined : `${info.name}_dim${i}`;
      return symbolic === undefined ? { dimValue: d } : { dimParam: symbolic };
    });
    return { name: info.name, type: { tensorType: { elemType: dtype, shape: { dim } } } };
  });
  return encodeModel({
    irVersion: 8,
    producerName: options.producerName ?? 'gated',
    producerVersion: '0',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: 'gated', node: b.nodes, initializer: b.initializers, input: graphInputs, output: outputs },
  });
}
