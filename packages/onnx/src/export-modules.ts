import type { Embedding, Linear, NestedArray, Tensor } from '@gated/core';
import { GRU, type AttentionPooling, type AttentionPoolingResult, type GRUResult } from '@gated/gru';
import type { LSTM, LSTMResult, LSTMState } from '@gated/lstm';
import { OnnxExportError } from './errors';
import type { Tracer } from './export-onnx';
import { reorderGates, type RecurrentOp } from './gate-order';
import { DataType } from './proto/codec';

type Lengths = readonly number[] | Int32Array | undefined;

/** One `GRU` / `LSTM` module call → one native ONNX node per layer. @internal */
export function emitRecurrent(tracer: Tracer, module: GRU | LSTM, args: unknown[], result: GRUResult | LSTMResult): void {
  const b = tracer.builder;
  const op: RecurrentOp = module instanceof GRU ? 'GRU' : 'LSTM';
  const input = args[0] as Tensor;
  if (input.rank !== 3) throw new OnnxExportError(`exportOnnx: ${op} with unbatched input [${input.shape.join(', ')}] cannot be exported; add a batch axis`);
  if (module.training && module.dropout > 0 && module.numLayers > 1) {
    throw new OnnxExportError(`exportOnnx: ${op} has dropout ${module.dropout} between layers and is in training mode; call eval() before exporting`);
  }
  let h0: Tensor | null = null;
  let c0: Tensor | null = null;
  if (op === 'GRU') h0 = (args[1] as Tensor | null | undefined) ?? null;
  else {
    // LSTM.forward takes { h0, c0 } or PyTorch's tuple [h0, c0] (it has already validated the form).
    const state = args[1] as LSTMState | readonly [Tensor, Tensor] | null | undefined;
    if (Array.isArray(state)) [h0, c0] = state as readonly [Tensor, Tensor];
    else {
      h0 = (state as LSTMState | null | undefined)?.h0 ?? null;
      c0 = (state as LSTMState | null | undefined)?.c0 ?? null;
    }
  }
  const lengths = (args[2] as { lengths?: Lengths } | undefined)?.lengths;
  const name = tracer.moduleName(module, op.toLowerCase());
  const H = module.hiddenSize;
  const D = module.numDirections;
  const G = op === 'GRU' ? 3 : 4;
  let sequence = tracer.nameOf(input, `the input of ${op} '${name}'`);
  if (module.batchFirst) sequence = b.node('Transpose', [sequence], { perm: [1, 0, 2] })[0];
  const sequenceLens = lengths === undefined ? '' : tracer.integerName(lengths as readonly number[], DataType.INT32, `the lengths of ${op} '${name}'`);
  const h0Name = h0 === null ? null : tracer.nameOf(h0, `h0 of ${op} '${name}'`);
  const c0Name = c0 === null ? null : tracer.nameOf(c0, `c0 of ${op} '${name}'`);
  const finalH: string[] = [];
  const finalC: string[] = [];
  for (let layer = 0; layer < module.numLayers; layer++) {
    const inputSize = module.layerParameters(layer, 0).weightIh.shape[1];
    const W = new Float32Array(D * G * H * inputSize);
    const R = new Float32Array(D * G * H * H);
    const B = new Float32Array(D * 2 * G * H);
    for (let d = 0; d < D; d++) {
      const p = module.layerParameters(layer, d);
      W.set(reorderGates(op, p.weightIh.dataSync(), H, inputSize, true), d * G * H * inputSize);
      R.set(reorderGates(op, p.weightHh.dataSync(), H, H, true), d * G * H * H);
      if (p.biasIh !== null && p.biasHh !== null) {
        B.set(reorderGates(op, p.biasIh.dataSync(), H, 1, true), d * 2 * G * H);
        B.set(reorderGates(op, p.biasHh.dataSync(), H, 1, true), d * 2 * G * H + G * H);
      }
    }
    const wName = b.floatInitializer(`${name}.W_l${layer}`, [D, G * H, inputSize], W);
    const rName = b.floatInitializer(`${name}.R_l${layer}`, [D, G * H, H], R);
    const bName = module.bias ? b.floatInitializer(`${name}.B_l${layer}`, [D, 2 * G * H], B) : '';
    const stateSlice = (state: string | null) =>
      state === null ? '' : b.node('Slice', [state, b.ints('starts', [layer * D]), b.ints('ends', [(layer + 1) * D]), b.ints('axes', [0])])[0];
    const nodeInputs = [sequence, wName, rName, bName, sequenceLens, stateSlice(h0Name)];
    if (op === 'LSTM') nodeInputs.push(stateSlice(c0Name));
    while (nodeInputs[nodeInputs.length - 1] === '') nodeInputs.pop();
    const attributes: Record<string, number | string> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (op === 'GRU') attributes.linear_before_reset = (module as GRU).resetAfter ? 1 : 0;
    const outs = b.node(op, nodeInputs, attributes, op === 'GRU' ? 2 : 3, `${name}.l${layer}`);
    // Y is [seqLen, directions, batch, hidden]; the next layer and the output want [seqLen, batch, directions·hidden].
    const transposed = b.node('Transpose', [outs[0]], { perm: [0, 2, 1, 3] })[0];
    sequence = b.node('Reshape', [transposed, b.ints('shape', [0, 0, -1])])[0];
    finalH.push(outs[1]);
    if (op === 'LSTM') finalC.push(outs[2]);
  }
  const output = module.batchFirst ? b.node('Transpose', [sequence], { perm: [1, 0, 2] })[0] : sequence;
  tracer.names.set(result.output, output);
  tracer.names.set(result.hN, finalH.length === 1 ? finalH[0] : b.node('Concat', finalH, { axis: 0 })[0]);
  if (op === 'LSTM') tracer.names.set((result as LSTMResult).cN, finalC.length === 1 ? finalC[0] : b.node('Concat', finalC, { axis: 0 })[0]);
}

/** One `Linear` call → `Gemm` (2-D input) or `MatMul` + `Add`. @internal */
export function emitLinear(tracer: Tracer, module: Linear, args: unknown[], result: Tensor): void {
  const b = tracer.builder;
  const input = args[0] as Tensor;
  const x = tracer.nameOf(input, 'the input of Linear');
  const weight = tracer.nameOf(module.weight);
  const bias = module.bias === null ? null : tracer.nameOf(module.bias);
  let y: string;
  if (input.rank === 2) {
    y = b.node('Gemm', bias === null ? [x, weight] : [x, weight, bias], { transB: 1 })[0];
  } else {
    y = b.node('MatMul', [x, b.node('Transpose', [weight], { perm: [1, 0] })[0]])[0];
    if (bias !== null) y = b.node('Add', [y, bias])[0];
  }
  tracer.names.set(result, y);
}

/** One `Embedding` call → `Gather` of the weight rows at the token ids (an int64 graph input). @internal */
export function emitEmbedding(tracer: Tracer, module: Embedding, args: unknown[], result: Tensor): void {
  const indices = tracer.integerName(args[0] as Tensor | NestedArray | Int32Array, DataType.INT64, 'the indices of Embedding');
  tracer.names.set(result, tracer.builder.node('Gather', [tracer.nameOf(module.weight), indices], { axis: 0 })[0]);
}

/**
 * One `AttentionPooling` call → its attention math, with the padding mask built in the graph from the
 * lengths (`Range(seqLen) < lengths`), so the model stays valid for any batch and sequence size.
 * @internal
 */
export function emitAttentionPooling(tracer: Tracer, module: AttentionPooling, args: unknown[], result: AttentionPoolingResult): void {
  const b = tracer.builder;
  const input = args[0] as Tensor;
  const lengths = (args[1] as { lengths?: Lengths } | undefined)?.lengths;
  let x = tracer.nameOf(input, 'the input of AttentionPooling');
  if (!module.batchFirst) x = b.node('Transpose', [x], { perm: [1, 0, 2] })[0]; // [B, T, F]
  const weightT = b.node('Transpose', [tracer.nameOf(module.weight)], { perm: [1, 0] })[0];
  let pre = b.node('MatMul', [x, weightT])[0];
  if (module.bias !== null) pre = b.node('Add', [pre, tracer.nameOf(module.bias)])[0];
  const u = b.node('Tanh', [pre])[0];
  const scores = b.node('Transpose', [b.node('MatMul', [u, tracer.nameOf(module.context)])[0]], { perm: [0, 2, 1] })[0]; // [B, hops, T]
  let weights: string;
  if (lengths === undefined) {
    weights = b.node('Softmax', [scores], { axis: -1 })[0];
  } else {
    const lengthsName = tracer.integerName(lengths as readonly number[], DataType.INT32, 'the lengths of AttentionPooling');
    const seqLen = b.node('Gather', [b.node('Shape', [x])[0], b.int64Initializer('one', [], [1])], { axis: 0 })[0];
    const steps = b.node('Range', [b.int64Initializer('zero', [], [0]), seqLen, b.int64Initializer('one', [], [1])])[0]; // [T]
    const limits = b.node('Unsqueeze', [b.node('Cast', [lengthsName], { to: DataType.INT64 })[0], b.ints('axes', [1])])[0]; // [B, 1]
    const valid = b.node('Unsqueeze', [b.node('Less', [steps, limits])[0], b.ints('axes', [1])])[0]; // [B, 1, T]
    const masked = b.node('Where', [valid, scores, b.scalar(-1e30)])[0];
    weights = b.node('Mul', [b.node('Softmax', [masked], { axis: -1 })[0], b.node('Cast', [valid], { to: DataType.FLOAT })[0]])[0];
  }
  const pooled = b.node('MatMul', [weights, x])[0]; // [B, hops, F]
  tracer.names.set(result.pooled, b.node('Reshape', [pooled, b.ints('shape', [0, -1])])[0]);
  tracer.names.set(result.weights, module.mode === 'additive' ? b.node('Reshape', [weights, b.ints('shape', [0, -1])])[0] : weights);
  if (result.penalty !== null) tracer.markInner(result.penalty);
}
