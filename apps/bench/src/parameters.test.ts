import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { CELLS, type CellName } from './cells';
import { countModuleParameters, PARAMETER_GRID, parameterFormula, parameterTable, type GridConfig } from './parameters';

// From scripts/fixtures/gen_bench.py (Debian python3-torch 1.13):
//   m = nn.GRU(I, H, num_layers=L, bidirectional=bi, bias=bias)   # and nn.LSTM
//   numel = sum(p.numel() for p in m.parameters())
interface CountCase {
  readonly config: { input_size: number; hidden_size: number; num_layers: number; bidirectional: boolean; bias: boolean };
  readonly GRU: { numel: number; shapes: Record<string, number[]> };
  readonly LSTM: { numel: number; shapes: Record<string, number[]> };
}
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('./__fixtures__/param-counts.json', import.meta.url)), 'utf8')) as {
  cases: Record<string, CountCase>;
};
const cases = Object.entries(fixture.cases);
const configOf = (c: CountCase): GridConfig => ({
  inputSize: c.config.input_size,
  hiddenSize: c.config.hidden_size,
  numLayers: c.config.num_layers,
  bidirectional: c.config.bidirectional,
  bias: c.config.bias,
});
const label = { gru: 'GRU', lstm: 'LSTM' } as const;

beforeAll(() => setBackend(new CpuBackend()));

describe('parameter counts against PyTorch sum(p.numel())', () => {
  it('the fixture covers every configuration of the bench grid', () => {
    for (const g of PARAMETER_GRID) {
      expect(cases.some(([, c]) => JSON.stringify({ ...configOf(c), bias: undefined }) === JSON.stringify({ ...g, bias: undefined }) && c.config.bias)).toBe(true);
    }
  });

  for (const [name, c] of cases) {
    it(`${name}: built modules and the closed formula equal PyTorch's count and shapes`, () => {
      const config = configOf(c);
      for (const cell of ['gru', 'lstm'] as CellName[]) {
        const expected = c[label[cell]];
        expect(parameterFormula(cell, config, 'pytorch')).toBe(expected.numel);
        const module = CELLS[cell].create(config);
        expect(module.numParameters()).toBe(expected.numel);
        expect(countModuleParameters(module, cell, 'pytorch')).toBe(expected.numel);
        expect(Object.fromEntries(module.namedParameters().map(([n, p]) => [n, [...p.shape]]))).toEqual(expected.shapes);
        for (const p of module.parameters()) p.dispose();
      }
    });
  }
});

describe('conventions', () => {
  const config: GridConfig = { inputSize: 32, hiddenSize: 64, numLayers: 1, bidirectional: false };

  it('uses the textbook closed forms', () => {
    const [I, H] = [32, 64];
    expect(parameterFormula('gru', config, 'pytorch')).toBe(3 * H * (I + H) + 6 * H);
    expect(parameterFormula('lstm', config, 'pytorch')).toBe(4 * H * (I + H) + 8 * H);
    expect(parameterFormula('gru', config, 'single-bias')).toBe(3 * H * (I + H) + 3 * H);
    expect(parameterFormula('lstm', config, 'single-bias')).toBe(4 * H * (I + H) + 4 * H);
    expect(parameterFormula('gru', config, 'keras')).toBe(3 * H * (I + H) + 6 * H);
    expect(parameterFormula('lstm', config, 'keras')).toBe(4 * H * (I + H) + 4 * H);
    expect(parameterFormula('gru', { ...config, bias: false }, 'keras')).toBe(3 * H * (I + H));
  });

  it('builds the table from modules, with GRU/LSTM exactly 3/4 when both sides count biases alike', () => {
    const [row] = parameterTable([config]);
    expect(row.counts.pytorch).toEqual({ gru: 18816, lstm: 25088, ratio: 0.75 });
    expect(row.counts['single-bias'].ratio).toBe(0.75);
    expect(row.counts.keras.ratio).toBeCloseTo(18816 / 24832, 12);
  });
});
