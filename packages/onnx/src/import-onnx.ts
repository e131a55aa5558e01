import {
  GatedError,
  Generator,
  checkOptions,
  Module,
  ValueError,
  getBackend,
  isTensor,
  tensor,
  type Backend,
  type NestedArray,
  type Tensor,
} from '@gated/core';
import { GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';
import { Attributes, describeNode } from './attributes';
import { OnnxFormatError, OnnxUnsupportedError } from './errors';
import { reorderGates, type RecurrentOp } from './gate-order';
import { hostArray, type HostArray } from './host-array';
import { SUPPORTED_OPS, asTensor, runNode, type Value } from './import-ops';
import { decodeModel, int64, type GraphMessage, type ModelMessage, type NodeMessage, type ValueInfoMessage } from './proto/codec';
import { dataTypeName, hostDTypeOf, readTensorProto, tensorProblems } from './tensor-proto';

/** The default-domain opsets `importOnnx` reads (the operator semantics it implements are those of opset 13 and later). */
export const SUPPORTED_OPSETS = { min: 13, max: 21 } as const;

/** Options of {@link importOnnx}. */
export interface ImportOnnxOptions {
  /** The backend that holds the parameters and runs the model. @defaultValue the one set with `setBackend` */
  backend?: Backend;
}

/** A graph input or output: its name, element type and shape (`string` for a symbolic dimension such as `batch`, `null` when unknown). */
export interface OnnxValueInfo {
  /** The ONNX value name. */
  readonly name: string;
  /** The ONNX element type (`FLOAT`, `INT64`, ...). */
  readonly elementType: string;
  /** Dimensions; `null` when the model gives no shape. */
  readonly shape: readonly (number | string | null)[] | null;
}

/** An input of {@link OnnxModel.forward}: a tensor, or nested arrays (for integer inputs such as token ids). */
export type OnnxInput = Tensor | NestedArray;

/** A recurrent node of an imported model and the Gated module that runs it. */
export interface ImportedRecurrentLayer {
  /** The name of the module in {@link OnnxModel}'s state dict (from the ONNX node name). */
  readonly name: string;
  /** `GRU` or `LSTM`. */
  readonly op: 'GRU' | 'LSTM';
  /** The Gated module: one layer, one or two directions, weights in PyTorch's gate order. */
  readonly module: GRU | LSTM;
}

/** Holds imported parameters under one segment of a dotted name (`fc` of `fc.weight`). */
class ParameterGroup extends Module {
  add(name: string, value: Tensor): Tensor {
    return this.registerParameter(name, value);
  }

  group(name: string): ParameterGroup {
    const existing = this.namedChildren().find(([n]) => n === name)?.[1];
    if (existing instanceof ParameterGroup) return existing;
    return this.registerModule(name, new ParameterGroup());
  }

}

/**
 * A model read from ONNX by {@link importOnnx}: a Gated {@link Module} whose {@link OnnxModel.forward}
 * runs the graph's nodes in order with Gated ops, so it runs on any backend and is trainable
 * (`parameters()`, `stateDict()`, optimizers, `backward()`).
 *
 * @remarks
 * Every float initializer is a parameter, under its ONNX name (`fc.weight`, `embedding.weight`;
 * dots become nested modules as in PyTorch). Each `GRU`/`LSTM` node becomes a one-layer Gated
 * {@link GRU} / {@link LSTM} named after the node (`gru_GRU`, `GRU_1`) whose parameters are PyTorch's
 * (`weight_ih_l0`, `weight_hh_l0_reverse`, gates r, z, n and i, f, g, o): a PyTorch model with
 * `num_layers = L` exports one node per layer, so its `weight_ih_l{k}` is layer `k`'s `weight_ih_l0`.
 * Integer values and everything computed from shapes (`Shape`, `ConstantOfShape`, index
 * arithmetic) are evaluated in JavaScript and carry no gradient.
 */
export class OnnxModel extends Module {
  /** The graph's inputs, in order (initializers excluded). */
  readonly inputs: readonly OnnxValueInfo[];
  /** The graph's outputs, in order. */
  readonly outputs: readonly OnnxValueInfo[];
  /** The default-domain opset the model declares. */
  readonly opsetVersion: number;
  /** `producer_name producer_version` of the file (e.g. `pytorch 1.13.1`). */
  readonly producer: string;
  /** The recurrent nodes, in graph order. */
  readonly recurrentLayers: readonly ImportedRecurrentLayer[];
  /** The backend holding the parameters. */
  readonly backend: Backend;
  private readonly graph: GraphMessage;
  private readonly values = new Map<string, Value>();
  private readonly modules = new Map<NodeMessage, GRU | LSTM>();

  /** @internal Use {@link importOnnx}. */
  constructor(model: ModelMessage, graph: GraphMessage, opsetVersion: number, backend: Backend) {
    super();
    this.graph = graph;
    this.opsetVersion = opsetVersion;
    this.backend = backend;
    this.producer = `${model.producerName} ${model.producerVersion}`.trim();
    const initializerNames = new Set(graph.initializer.map((t) => t.name));
    this.inputs = graph.input.filter((v) => !initializerNames.has(v.name)).map(valueInfo);
    this.outputs = graph.output.map(valueInfo);
    // Recurrent weights become the recurrent modules' own parameters, in PyTorch's gate order.
    const recurrentWeights = new Set<string>();
    const layers: ImportedRecurrentLayer[] = [];
    const used = new Set<string>();
    for (const node of graph.node) {
      if (node.opType !== 'GRU' && node.opType !== 'LSTM') continue;
      const module = buildRecurrent(node, graph, backend);
      let name = sanitize(node.name || `${node.opType}_${layers.length}`);
      while (used.has(name) || initializerNames.has(name)) name += '_';
      used.add(name);
      this.registerModule(name, module);
      this.modules.set(node, module);
      layers.push({ name, op: node.opType, module });
      for (const input of node.input.slice(1, 4)) recurrentWeights.add(input);
    }
    this.recurrentLayers = layers;
    const readsElsewhere = new Set(graph.node.flatMap((n) => (n.opType === 'GRU' || n.opType === 'LSTM' ? [n.input[0], ...n.input.slice(4)] : n.input)));
    for (const init of graph.initializer) {
      const host = readTensorProto(init, `initializer "${init.name}"`);
      if (host.dtype === 'float32' && (readsElsewhere.has(init.name) || !recurrentWeights.has(init.name))) {
        const parameter = tensor(Float32Array.from(host.data), host.shape, { backend });
        const path = init.name.split('.');
        if (path.some((p) => p === '')) throw new OnnxFormatError(`importOnnx: initializer name "${init.name}" has an empty segment`);
        const leaf = path[path.length - 1];
        if (path.length === 1) {
          this.values.set(init.name, this.registerParameter(leaf, parameter));
        } else {
          let group = this.topGroup(path[0]);
          for (const segment of path.slice(1, -1)) group = group.group(segment);
          this.values.set(init.name, group.add(leaf, parameter));
        }
      } else {
        this.values.set(init.name, host);
      }
    }
  }

  private topGroup(name: string): ParameterGroup {
    const existing = this.namedChildren().find(([n]) => n === name)?.[1];
    if (existing instanceof ParameterGroup) return existing;
    if (existing !== undefined) throw new OnnxFormatError(`importOnnx: initializer prefix "${name}" collides with a recurrent node's name`);
    return this.registerModule(name, new ParameterGroup());
  }

  /**
   * Runs the graph. `inputs` by name (or in the order of {@link OnnxModel.inputs}); float inputs as
   * tensors, integer inputs (token ids, `sequence_lens`) as tensors of integer values or nested arrays.
   * Returns every graph output by name, as tensors on this model's backend.
   *
   * @throws ValueError for a missing or unknown input or a non-integer value for an integer input;
   *   ShapeError (from the ops) when a shape does not fit the model.
   */
  forward(inputs: Record<string, OnnxInput> | readonly OnnxInput[]): Record<string, Tensor> {
    const values = new Map(this.values);
    // A parameter replaced by loadStateDict keeps its tensor object (assign is in place), so the map stays valid.
    const given = Array.isArray(inputs)
      ? Object.fromEntries(this.inputs.map((info, i) => [info.name, (inputs as readonly OnnxInput[])[i]]))
      : (inputs as Record<string, OnnxInput>);
    if (given === null || typeof given !== 'object') throw new ValueError(`OnnxModel: inputs must be an object or an array, got ${String(inputs)}`);
    const known = new Set(this.inputs.map((i) => i.name));
    const unknown = Object.keys(given).filter((k) => !known.has(k) && given[k] !== undefined);
    if (unknown.length > 0) throw new ValueError(`OnnxModel: unknown input${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the model's inputs are ${[...known].join(', ')}`);
    for (const info of this.inputs) {
      const value = given[info.name];
      if (value === undefined) throw new ValueError(`OnnxModel: missing input '${info.name}' (${info.elementType} ${formatInfoShape(info)})`);
      values.set(info.name, inputValue(info, value, this.backend));
    }
    for (const node of this.graph.node) {
      const args = node.input.map((name) => (name === '' ? null : (values.get(name) ?? null)));
      const outputs = runNode(node, args, { backend: this.backend, recurrent: this.modules.get(node) ?? null });
      node.output.forEach((name, i) => {
        const v = outputs[i];
        if (name !== '' && v !== undefined && v !== null) values.set(name, v);
      });
    }
    const result: Record<string, Tensor> = {};
    for (const info of this.outputs) {
      const v = values.get(info.name);
      if (v === undefined) throw new OnnxFormatError(`OnnxModel: output '${info.name}' was not computed`);
      result[info.name] = asTensor(v, this.backend);
    }
    return result;
  }
}

function formatInfoShape(info: OnnxValueInfo): string {
  return info.shape === null ? '(any shape)' : `[${info.shape.map((d) => d ?? '?').join(', ')}]`;
}

function inputValue(info: OnnxValueInfo, value: OnnxInput, backend: Backend): Value {
  const integer = info.elementType === 'INT64' || info.elementType === 'INT32' || info.elementType === 'BOOL';
  if (!integer) {
    if (isTensor(value)) return value;
    return tensor(value, undefined, { backend });
  }
  const t = isTensor(value) ? value : tensor(value, undefined, { backend });
  const data = Float64Array.from(t.dataSync());
  for (const v of data) if (!Number.isInteger(v)) throw new ValueError(`OnnxModel: input '${info.name}' is ${info.elementType}, got the non-integer value ${v}`);
  const host: HostArray = hostArray(info.elementType === 'INT32' ? 'int32' : info.elementType === 'BOOL' ? 'bool' : 'int64', t.shape, data);
  return host;
}

function valueInfo(v: ValueInfoMessage): OnnxValueInfo {
  const tensorType = v.type?.tensorType ?? null;
  return {
    name: v.name,
    elementType: tensorType === null ? 'UNDEFINED' : dataTypeName(tensorType.elemType),
    shape: tensorType?.shape ? tensorType.shape.dim.map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? int64(d.dimValue, 'a dimension') : null)) : null,
  };
}

function sanitize(name: string): string {
  const cleaned = name.replace(/^\/+/, '').replace(/[./:]/g, '_');
  return cleaned === '' ? 'node' : cleaned;
}

function initializerOf(graph: GraphMessage, name: string | undefined): HostArray | null {
  if (name === undefined || name === '') return null;
  const init = graph.initializer.find((t) => t.name === name);
  if (init === undefined) return null;
  return readTensorProto(init, `initializer "${name}"`);
}

/** One ONNX GRU/LSTM node → a one-layer Gated module with the node's weights in PyTorch's gate order. */
function buildRecurrent(node: NodeMessage, graph: GraphMessage, backend: Backend): GRU | LSTM {
  const op = node.opType as RecurrentOp;
  const attrs = new Attributes(node);
  const G = op === 'GRU' ? 3 : 4;
  const W = initializerOf(graph, node.input[1]);
  const R = initializerOf(graph, node.input[2]);
  const B = initializerOf(graph, node.input[3]);
  if (W === null || R === null) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} needs W and R as initializers`);
  const D = attrs.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  const H = attrs.has('hidden_size') ? attrs.int('hidden_size', 0) : R.shape[2];
  const I = W.shape[2];
  const expect = (what: string, value: HostArray, shape: number[]) => {
    if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
      throw new OnnxFormatError(`importOnnx: ${describeNode(node)}: ${what} must be [${shape.join(', ')}] (directions ${D}, hidden_size ${H}), got [${value.shape.join(', ')}]`);
    }
  };
  if (!Number.isInteger(H) || H < 1 || !Number.isInteger(I) || I < 1) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} has hidden_size ${H} and input size ${I}`);
  expect('W', W, [D, G * H, I]);
  expect('R', R, [D, G * H, H]);
  if (B !== null) expect('B', B, [D, 2 * G * H]);
  const options = { inputSize: I, hiddenSize: H, bidirectional: D === 2, bias: B !== null, backend, generator: new Generator(0) };
  const module = op === 'GRU' ? new GRU({ ...options, resetAfter: attrs.int('linear_before_reset', 0) !== 0 }) : new LSTM(options);
  const state: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let d = 0; d < D; d++) {
    const suffix = d === 1 ? '_l0_reverse' : '_l0';
    const block = (h: HostArray, rows: number, cols: number) => h.data.subarray(d * rows * cols, (d + 1) * rows * cols);
    state[`weight_ih${suffix}`] = { shape: [G * H, I], data: reorderGates(op, block(W, G * H, I), H, I, false) };
    state[`weight_hh${suffix}`] = { shape: [G * H, H], data: reorderGates(op, block(R, G * H, H), H, H, false) };
    if (B !== null) {
      const bias = block(B, 2 * G * H, 1);
      state[`bias_ih${suffix}`] = { shape: [G * H], data: reorderGates(op, bias.subarray(0, G * H), H, 1, false) };
      state[`bias_hh${suffix}`] = { shape: [G * H], data: reorderGates(op, bias.subarray(G * H), H, 1, false) };
    }
  }
  module.loadStateDict(state);
  return module;
}

/** Everything in the model Gated cannot run, one line each. */
function unsupportedFeatures(model: ModelMessage, graph: GraphMessage): string[] {
  const missing: string[] = [];
  const defaultOpset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (defaultOpset === undefined) missing.push('a model without a default-domain (ai.onnx) opset import');
  else {
    const v = int64(defaultOpset.version, 'the opset version');
    if (v < SUPPORTED_OPSETS.min || v > SUPPORTED_OPSETS.max) missing.push(`opset ${v} (supported: ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max})`);
  }
  if (graph.sparseInitializer.length > 0) missing.push(`${graph.sparseInitializer.length} sparse initializer(s)`);
  for (const init of graph.initializer) missing.push(...tensorProblems(init, `initializer "${init.name}"`));
  for (const input of graph.input) {
    const type = input.type;
    if (type === null || (type.tensorType === null || type.tensorType === undefined)) {
      if (type !== null) missing.push(`input "${input.name}" is not a tensor (sequence, map or optional types)`);
      continue;
    }
    if (hostDTypeOf(type.tensorType.elemType) === null) missing.push(`data type ${dataTypeName(type.tensorType.elemType)} (input "${input.name}")`);
  }
  const supported = new Set<string>(SUPPORTED_OPS);
  const unsupportedOps = new Map<string, string[]>();
  for (const node of graph.node) {
    const where = describeNode(node);
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      missing.push(`operator ${node.domain}.${node.opType} (${where}): only the default ONNX domain is supported`);
      continue;
    }
    if (!supported.has(node.opType)) {
      const list = unsupportedOps.get(node.opType) ?? [];
      list.push(node.name || '(unnamed)');
      unsupportedOps.set(node.opType, list);
      continue;
    }
    if (node.attribute.some((a) => a.g !== null || a.graphs.length > 0)) missing.push(`subgraph attributes (${where})`);
    const attrs = new Attributes(node);
    if (node.opType === 'Constant') {
      const t = attrs.tensor('value');
      if (t !== null) missing.push(...tensorProblems(t, where));
      for (const other of ['sparse_value', 'value_string', 'value_strings']) if (attrs.has(other)) missing.push(`Constant attribute ${other} (${where})`);
    }
    if (node.opType === 'ConstantOfShape') {
      const t = attrs.tensor('value');
      if (t !== null) missing.push(...tensorProblems(t, where));
    }
    if (node.opType === 'Cast' && hostDTypeOf(attrs.int('to', 1)) === null) missing.push(`Cast to ${dataTypeName(attrs.int('to', 1))} (${where})`);
    if (node.opType === 'GRU' || node.opType === 'LSTM') missing.push(...recurrentProblems(node, attrs, graph));
  }
  for (const [op, nodes] of unsupportedOps) missing.push(`operator ${op} (${nodes.length} node${nodes.length > 1 ? 's' : ''}: ${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ', …' : ''})`);
  return missing;
}

function recurrentProblems(node: NodeMessage, attrs: Attributes, graph: GraphMessage): string[] {
  const where = describeNode(node);
  const problems: string[] = [];
  const direction = attrs.string('direction', 'forward');
  if (direction !== 'forward' && direction !== 'bidirectional') problems.push(`direction "${direction}" (${where}); forward and bidirectional are supported`);
  if (attrs.int('layout', 0) !== 0) problems.push(`layout = 1 (batch-major) (${where})`);
  if (attrs.has('clip')) problems.push(`clip (${where})`);
  if (node.opType === 'LSTM' && attrs.int('input_forget', 0) !== 0) problems.push(`input_forget = 1 (${where})`);
  if (node.opType === 'LSTM' && (node.input[7] ?? '') !== '') problems.push(`peephole weights P (${where})`);
  const defaults = node.opType === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Sigmoid', 'Tanh', 'Tanh'];
  const activations = attrs.strings('activations');
  if (activations !== null) {
    const expected = direction === 'bidirectional' ? [...defaults, ...defaults] : defaults;
    if (activations.length !== expected.length || activations.some((a, i) => a.toLowerCase() !== expected[i].toLowerCase())) {
      problems.push(`activations ${activations.join(', ')} (${where}); only ${defaults.join(', ')} is supported`);
    }
  }
  for (const [index, what] of [[1, 'W'], [2, 'R'], [3, 'B']] as const) {
    const name = node.input[index] ?? '';
    if (name === '' && index === 3) continue;
    if (!graph.initializer.some((t) => t.name === name)) problems.push(`${what} computed in the graph rather than stored as an initializer (${where})`);
  }
  return problems;
}

/** Names defined before use, graph outputs produced, no duplicate producers: the graph is well formed. */
function checkStructure(graph: GraphMessage): void {
  const defined = new Set<string>([...graph.input.map((v) => v.name), ...graph.initializer.map((t) => t.name)]);
  for (const node of graph.node) {
    for (const name of node.input) {
      if (name !== '' && !defined.has(name)) {
        throw new OnnxFormatError(`importOnnx: ${describeNode(node)} reads '${name}', which no earlier node, input or initializer defines (the nodes must be in topological order)`);
      }
    }
    for (const name of node.output) {
      if (name === '') continue;
      if (defined.has(name)) throw new OnnxFormatError(`importOnnx: ${describeNode(node)} writes '${name}', which is already defined`);
      defined.add(name);
    }
  }
  if (graph.output.length === 0) throw new OnnxFormatError('importOnnx: the graph has no outputs');
  for (const output of graph.output) {
    if (!defined.has(output.name)) throw new OnnxFormatError(`importOnnx: graph output '${output.name}' is never computed`);
  }
}

/**
 * Reads an ONNX model (the bytes of an `.onnx` file) into a trainable Gated {@link OnnxModel}.
 *
 * @remarks
 * ONNX `GRU`/`LSTM` nodes become Gated {@link GRU} / {@link LSTM} modules (`linear_before_reset = 1`
 * is PyTorch's GRU, `0` the reset-before variant; gates reordered from ONNX's z, r, h and i, o, f, c);
 * `sequence_lens` becomes `lengths`. The other supported operators (see `SUPPORTED_OPS` in the
 * package README) become Gated ops. The whole model is checked before anything is built.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { setBackend, tensor } from '@gated/core';
 * import { CpuBackend } from '@gated/backend-cpu';
 * import { importOnnx } from '@gated/onnx';
 *
 * setBackend(new CpuBackend());
 * const model = importOnnx(readFileSync('gru.onnx'));
 * const { output, h_n } = model.forward({ x: tensor([[[0.1, 0.2, 0.3]]]) });
 * ```
 *
 * @param bytes - the file's bytes.
 * @throws OnnxFormatError for malformed, truncated or inconsistent bytes; OnnxUnsupportedError listing
 *   every unsupported operator, opset, data type, attribute and external-data reference; OptionsError
 *   for an unknown option.
 */
export function importOnnx(bytes: Uint8Array, options?: ImportOnnxOptions | null): OnnxModel {
  const checked = checkOptions(options, { where: 'importOnnx(bytes, options)', spec: { backend: 'backend' } });
  const backend = checked.backend ?? getBackend();
  const model = decodeModel(bytes);
  try {
    const graph = model.graph;
    if (graph === null) throw new OnnxFormatError('importOnnx: the model has no graph (is this an ONNX model file?)');
    const missing = unsupportedFeatures(model, graph);
    if (missing.length > 0) throw new OnnxUnsupportedError(missing);
    checkStructure(graph);
    const opset = int64((model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx') as { version: number }).version, 'the opset version');
    return new OnnxModel(model, graph, opset, backend);
  } catch (error) {
    if (error instanceof GatedError) throw error;
    // A corrupt file can still decode as protobuf and fail deep inside; it is a format error, not a crash.
    throw new OnnxFormatError(`importOnnx: the model is inconsistent (${(error as Error).message})`);
  }
}
