/** The recurrent operators ONNX defines and Gated maps to its modules. @internal */
export type RecurrentOp = 'GRU' | 'LSTM';

/**
 * ONNX's gate blocks in terms of PyTorch's: ONNX block `k` is PyTorch block `ONNX_GATES[op][k]`.
 * GRU: ONNX z, r, h from PyTorch r, z, n. LSTM: ONNX i, o, f, c from PyTorch i, f, g, o.
 * @internal
 */
export const ONNX_GATES: Record<RecurrentOp, readonly number[]> = {
  GRU: [1, 0, 2],
  LSTM: [0, 3, 1, 2],
};

/**
 * Reorders the gate blocks of a `[G·H, ...]` matrix (or a `[G·H]` vector) flattened row-major,
 * `rowLength` values per row: `toOnnx` maps PyTorch's order to ONNX's, otherwise the reverse.
 * @internal
 */
export function reorderGates(op: RecurrentOp, data: ArrayLike<number>, hiddenSize: number, rowLength: number, toOnnx: boolean): Float32Array {
  const order = ONNX_GATES[op];
  const block = hiddenSize * rowLength;
  const out = new Float32Array(order.length * block);
  for (let k = 0; k < order.length; k++) {
    const [from, to] = toOnnx ? [order[k], k] : [k, order[k]];
    for (let i = 0; i < block; i++) out[to * block + i] = data[from * block + i];
  }
  return out;
}
