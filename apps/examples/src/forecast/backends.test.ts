import { describe, expect, it } from 'vitest';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { recordingIo } from '../shared/test-io';
import { trainForecast, type ForecastResult } from './main';

// The same smoke run on gpu.js's `cpu` mode (kernels as plain JavaScript, float64 arithmetic with
// float32 storage) and on CpuBackend: --backend switches the whole example, and the numbers agree.
const SMOKE = ['--epochs', '3', '--max-batches', '4', '--batch-size', '16', '--hidden', '8', '--lr', '0.01', '--seed', '5'];

describe('--backend gpujs:cpu', () => {
  it('trains the forecaster with the numbers of the CPU backend', async () => {
    const io = recordingIo();
    const gpujs = (await trainForecast([...SMOKE, '--backend', 'gpujs:cpu', '--out', 'gpujs'], io)) as ForecastResult;
    expect(io.out()).toMatch(/^backend: gpujs:cpu\n/);
    const cpu = (await trainForecast([...SMOKE, '--backend', 'cpu', '--out', 'cpu'], io)) as ForecastResult;
    expect(io.out()).toContain('backend: cpu\n');
    assertClose(gpujs.history.map((h) => h.loss), cpu.history.map((h) => h.loss), TOLERANCE.device, 'losses per epoch');
    assertClose([gpujs.rmse], [cpu.rmse], TOLERANCE.device, 'test RMSE');
  }, 120_000);
});
