/** Test-only builders of synthetic results. */
import type { CellName } from './cells';
import type { Pass } from './flops';
import { RESULTS_SCHEMA, type BenchResults, type SpeedResult } from './results';
import { summarize } from './statistics';
import { WORKLOADS } from './workloads';

/** A speed figure whose timed runs are `samples` (ms). */
export function speedResult(workload: string, cell: CellName, pass: Pass, samples: number[], backend = 'cpu'): SpeedResult {
  const timing = summarize(samples);
  return {
    workload,
    backend,
    cell,
    pass,
    coldMs: timing.maxMs * 2,
    compileMs: timing.maxMs * 2 - timing.medianMs,
    timing,
    samples,
    flops: 1e9,
    stepsPerSecond: 1000,
    gflops: 1e9 / (timing.medianMs * 1e6),
  };
}

/** A results file with the given speed figures and no parameter rows. */
export function results(speed: SpeedResult[], overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    schema: RESULTS_SCHEMA,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 1,
    machine: { platform: 'linux', release: '6', arch: 'x64', cpuModel: 'Test CPU <fast> & "quoted"', cores: 2, totalMemoryGiB: 8, node: 'v20.20.2', gcBetweenMeasurements: true },
    options: {
      quick: true,
      workloads: WORKLOADS.filter((w) => speed.some((s) => s.workload === w.name)),
      cells: ['gru', 'lstm'],
      passes: ['forward', 'backward'],
      warmup: 1,
      reps: 3,
      minTotalMs: 0,
      maxReps: 50,
    },
    backends: [{ id: 'cpu', available: true }],
    parameters: [],
    speed,
    failures: [],
    ...overrides,
  };
}
