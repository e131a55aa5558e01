import { describe, expect, it } from 'vitest';
import { CELLS } from './cells';
import { flopsPerRun, gflopsPerSecond, stepsPerSecond } from './flops';
import { selectWorkloads } from './workloads';

describe('FLOP formula', () => {
  const [small, deep] = selectWorkloads(['small', 'deep-bi']);

  it('counts 2·B·G·H·(I+H) + E·B·H per step forward, three times that for forward+backward', () => {
    // small: B16 T32 I32 H64, GRU (G=3, E=10)
    const perStep = 2 * 16 * 3 * 64 * (32 + 64) + 10 * 16 * 64;
    expect(flopsPerRun(CELLS.gru, small, 'forward')).toBe(32 * perStep);
    expect(flopsPerRun(CELLS.gru, small, 'backward')).toBe(3 * 32 * perStep);
  });

  it('feeds both directions of the layer below into layer 1 of a bidirectional stack', () => {
    // deep-bi: B32 T100 I64 H128, 2 layers, 2 directions, LSTM (G=4, E=13)
    const layer = (I: number) => 2 * (2 * 32 * 4 * 128 * (I + 128) + 13 * 32 * 128);
    expect(flopsPerRun(CELLS.lstm, deep, 'forward')).toBe(100 * (layer(64) + layer(256)));
  });

  it('derives steps/s and GFLOP/s from the median', () => {
    expect(stepsPerSecond(small, 512)).toBe(1000);
    expect(gflopsPerSecond(3e9, 1500)).toBe(2);
  });
});
