import type { Tensor } from './tensor/tensor';

/** One op reported by {@link traceOps}. */
export interface OpEvent {
  /**
   * The op's name: a primitive (`matmul`, `add`, `sigmoid`, `slice`, …, as the functions of the same
   * name), a composite that records one node (`softmax`, `logSoftmax`, `clamp`, a loss), `reshape` for
   * every view (`reshape`, `squeeze`, `unsqueeze`, `flatten`), `embedding`, or a recurrent layer.
   */
  readonly op: string;
  /** The tensors the op read, in order. Tensors no traced op produced are inputs or constants. */
  readonly inputs: readonly Tensor[];
  /** The tensor the op returned. */
  readonly output: Tensor;
  /**
   * The op's non-tensor arguments: `axes`/`keepDims` (reductions), `axis` (softmax, concat,
   * indexSelect), `perm` (permute), `begin`/`size` (slice), `padding` (pad), `shape` (reshape,
   * broadcastTo), `scalar`/`scalarFirst` (an op with a number operand), `transposeA`/`transposeB`
   * (matmul), `min`/`max` (clamp), `indices` (indexSelect with host indices), …
   */
  readonly attrs: Readonly<Record<string, unknown>>;
}

type Listener = (event: OpEvent) => void;

const listeners: Listener[] = [];
let suspended = 0;

/**
 * Runs `fn` and calls `onOp` once for every op that produced a tensor during it, in execution order
 * (the forward pass as a flat list of ops, for exporters such as `@gated/onnx`).
 *
 * @remarks Composite ops report themselves once, not their inner primitives. An op that returns its
 * input unchanged (a reshape to the same shape, an identity permutation) reports nothing. Traces nest:
 * each active `traceOps` sees every op.
 *
 * @experimental The set of op names and attributes follows core's ops and may grow.
 */
export function traceOps<T>(fn: () => T, onOp: (event: OpEvent) => void): T {
  listeners.push(onOp);
  try {
    return fn();
  } finally {
    listeners.splice(listeners.lastIndexOf(onOp), 1);
  }
}

/** @internal Reports an op to every active trace. */
export function emitOp(op: string, inputs: readonly Tensor[], output: Tensor, attrs: Readonly<Record<string, unknown>> = {}): void {
  if (listeners.length === 0 || suspended > 0) return;
  const event: OpEvent = { op, inputs: [...inputs], output, attrs };
  for (const listener of [...listeners]) listener(event);
}

/** @internal Runs `fn` without reporting its ops (the inside of a composite op). */
export function untraced<T>(fn: () => T): T {
  suspended += 1;
  try {
    return fn();
  } finally {
    suspended -= 1;
  }
}
