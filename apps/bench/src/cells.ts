import type { Module, Tensor } from '@gated/core';
import { GRU } from '@gated/gru';
import { LSTM } from '@gated/lstm';

/** The recurrent cells the benchmark compares. */
export type CellName = 'gru' | 'lstm';

/** Every cell name, in report order. */
export const CELL_NAMES: readonly CellName[] = ['gru', 'lstm'];

/** The options both recurrent modules take (the bench uses the PyTorch defaults for the rest). */
export interface RecurrentConfig {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  /** @defaultValue true */
  readonly bias?: boolean;
}

/** The part of a GRU or LSTM module the benchmark drives. */
export interface RecurrentModel extends Module {
  forward(input: Tensor): { output: Tensor };
}

/** What the benchmark knows about a cell: how many gates it has and how to build it. */
export interface CellSpec {
  readonly name: CellName;
  /** Label in tables and charts. */
  readonly label: string;
  /** Gate blocks per weight matrix: 3 for GRU (r, z, n), 4 for LSTM (i, f, g, o). */
  readonly gates: number;
  /**
   * Element-wise floating-point operations per hidden unit and step of the fused forward step
   * (adds, multiplies and activations counted as one each); see `flops.ts`.
   */
  readonly elementwiseFlops: number;
  /** Builds the module on the default backend (`setBackend`), time-major (`batchFirst: false`). */
  create(config: RecurrentConfig): RecurrentModel;
}

/**
 * The module options of a config: only the keys the modules take, since a workload passed as the
 * config also carries `name`, `batch` and `seqLen`, which the modules' strict option checks reject.
 */
function recurrentOptions(config: RecurrentConfig): RecurrentConfig {
  const { inputSize, hiddenSize, numLayers, bidirectional, bias } = config;
  return { inputSize, hiddenSize, numLayers, bidirectional, ...(bias === undefined ? {} : { bias }) };
}

/** The cell registry. */
export const CELLS: Readonly<Record<CellName, CellSpec>> = {
  gru: {
    name: 'gru',
    label: 'GRU',
    gates: 3,
    // r = σ(gx+gh): 2, z: 2, n = tanh(gx + r⊙gh): 3, h' = n + z⊙(h − n): 3
    elementwiseFlops: 10,
    create: (config) => new GRU({ ...recurrentOptions(config), batchFirst: false }),
  },
  lstm: {
    name: 'lstm',
    label: 'LSTM',
    gates: 4,
    // four gate sums: 4, four activations: 4, c' = f⊙c + i⊙g: 3, tanh(c'): 1, h' = o⊙tanh(c'): 1
    elementwiseFlops: 13,
    create: (config) => new LSTM({ ...recurrentOptions(config), batchFirst: false }),
  },
};

/** Parses a `--cells` list; throws on an unknown name. */
export function selectCells(names: readonly string[]): CellSpec[] {
  return names.map((name) => {
    const spec = CELLS[name as CellName];
    if (!spec) throw new Error(`unknown cell '${name}'; expected one of ${CELL_NAMES.join(', ')}`);
    return spec;
  });
}
