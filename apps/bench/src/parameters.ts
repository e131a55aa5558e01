import type { Module } from '@gated/core';
import { CELLS, type CellName, type RecurrentConfig } from './cells';

/**
 * How a library counts the parameters of a recurrent layer. The weights are the same everywhere
 * (`G·H·(I + H)` per layer and direction, `G` gates); only the biases differ:
 *
 * - `pytorch`: two bias vectors, `b_ih` and `b_hh` (`2·G·H`), for GRU and LSTM alike (cuDNN's layout).
 * - `keras`: Keras 2+/TF2 defaults: GRU with `reset_after=True` keeps two bias vectors (`2·3H`, stored
 *   as one `[2, 3H]` tensor); LSTM has one (`4H`).
 * - `single-bias`: one bias vector per layer and direction (`G·H`): Keras GRU with
 *   `reset_after=False`, the TensorFlow.js layers GRU and LSTM, and the original papers.
 */
export type ParameterConvention = 'pytorch' | 'keras' | 'single-bias';

/** Every convention, in report order. */
export const CONVENTIONS: readonly ParameterConvention[] = ['pytorch', 'keras', 'single-bias'];

/** Column headings of the conventions. */
export const CONVENTION_LABELS: Readonly<Record<ParameterConvention, string>> = {
  pytorch: 'PyTorch / cuDNN',
  keras: 'Keras (TF2 default)',
  'single-bias': 'one bias (tfjs)',
};

/** Bias vectors per layer and direction that `convention` gives `cell`. */
export function biasVectors(cell: CellName, convention: ParameterConvention): 1 | 2 {
  if (convention === 'pytorch') return 2;
  if (convention === 'single-bias') return 1;
  return cell === 'gru' ? 2 : 1;
}

/**
 * The closed formula: `Σ_layers D · (G·H·(I_l + H) + β·G·H)` with `I_0 = inputSize`,
 * `I_l = D·H` above the first layer, `D` directions, `β` bias vectors (0 without bias).
 *
 * @example
 * ```ts
 * parameterFormula('gru', { inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false }, 'pytorch'); // 3·64·96 + 6·64 = 18816
 * ```
 */
export function parameterFormula(cell: CellName, config: RecurrentConfig, convention: ParameterConvention): number {
  const G = CELLS[cell].gates;
  const H = config.hiddenSize;
  const D = config.bidirectional ? 2 : 1;
  const beta = config.bias === false ? 0 : biasVectors(cell, convention);
  let total = 0;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const I = layer === 0 ? config.inputSize : D * H;
    total += D * (G * H * (I + H) + beta * G * H);
  }
  return total;
}

/**
 * Counts a built module's parameters under `convention`, from its PyTorch-named parameters:
 * every `weight_*`, every `bias_ih_*`, and `bias_hh_*` only where the convention keeps a second
 * bias vector (a single-bias library folds `b_hh` into `b_ih`).
 */
export function countModuleParameters(module: Module, cell: CellName, convention: ParameterConvention): number {
  const keepSecondBias = biasVectors(cell, convention) === 2;
  let total = 0;
  for (const [name, p] of module.namedParameters()) {
    if (name.startsWith('bias_hh') && !keepSecondBias) continue;
    total += p.size;
  }
  return total;
}

/** One configuration of the parameter-count grid. */
export interface GridConfig extends RecurrentConfig {
  readonly numLayers: number;
  readonly bidirectional: boolean;
}

/**
 * The configurations of the parameter table: the four speed workloads' models first, then a tiny
 * model, a deep unidirectional one and a wide bidirectional one. `__fixtures__/param-counts.json`
 * holds PyTorch's `sum(p.numel())` for each (tested).
 */
export const PARAMETER_GRID: readonly GridConfig[] = [
  { inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false },
  { inputSize: 64, hiddenSize: 128, numLayers: 1, bidirectional: false },
  { inputSize: 128, hiddenSize: 256, numLayers: 1, bidirectional: false },
  { inputSize: 64, hiddenSize: 128, numLayers: 2, bidirectional: true },
  { inputSize: 8, hiddenSize: 16, numLayers: 1, bidirectional: false },
  { inputSize: 128, hiddenSize: 128, numLayers: 3, bidirectional: false },
  { inputSize: 300, hiddenSize: 512, numLayers: 2, bidirectional: true },
];

/** A count under one convention: both cells and their ratio. */
export interface ConventionCounts {
  readonly gru: number;
  readonly lstm: number;
  /** `gru / lstm`. */
  readonly ratio: number;
}

/** One row of the parameter table. */
export interface ParameterRow {
  readonly config: GridConfig;
  readonly counts: Readonly<Record<ParameterConvention, ConventionCounts>>;
}

/** A built module whose count disagrees with the closed formula (a bug in a package or in the formula). */
export class ParameterCountMismatch extends Error {
  constructor(
    readonly cell: CellName,
    readonly config: GridConfig,
    readonly convention: ParameterConvention,
    readonly counted: number,
    readonly formula: number,
  ) {
    super(
      `${CELLS[cell].label} ${JSON.stringify(config)} under ${convention}: the built module has ${counted} parameters, the formula gives ${formula}`,
    );
  }
}

/**
 * Builds both modules for every configuration (on the default backend), counts their parameters
 * under each convention and checks each count against {@link parameterFormula}.
 *
 * @throws {@link ParameterCountMismatch} when a built module disagrees with the formula.
 */
export function parameterTable(grid: readonly GridConfig[] = PARAMETER_GRID): ParameterRow[] {
  return grid.map((config) => {
    const modules = { gru: CELLS.gru.create(config), lstm: CELLS.lstm.create(config) };
    const counts = {} as Record<ParameterConvention, ConventionCounts>;
    for (const convention of CONVENTIONS) {
      const perCell = {} as Record<CellName, number>;
      for (const cell of ['gru', 'lstm'] as const) {
        const counted = countModuleParameters(modules[cell], cell, convention);
        const formula = parameterFormula(cell, config, convention);
        if (counted !== formula) throw new ParameterCountMismatch(cell, config, convention, counted, formula);
        perCell[cell] = counted;
      }
      counts[convention] = { gru: perCell.gru, lstm: perCell.lstm, ratio: perCell.gru / perCell.lstm };
    }
    for (const m of Object.values(modules)) for (const p of m.parameters()) p.dispose();
    return { config, counts };
  });
}
