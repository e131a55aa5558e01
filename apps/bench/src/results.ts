import { arch, cpus, platform, release, totalmem } from 'node:os';
import type { CellName } from './cells';
import type { Pass } from './flops';
import type { Measurement } from './measure';
import type { ParameterRow } from './parameters';
import type { Workload } from './workloads';

/** The version of the results file format; `--compare` refuses files of another version. */
export const RESULTS_SCHEMA = 'gated-bench/v1' as const;

/** Where the numbers were taken. */
export interface MachineInfo {
  readonly platform: string;
  readonly release: string;
  readonly arch: string;
  /** CPU model as the OS reports it. */
  readonly cpuModel: string;
  /** Logical cores. */
  readonly cores: number;
  readonly totalMemoryGiB: number;
  /** `process.version`. */
  readonly node: string;
  /** Whether `--expose-gc` was given, so that a full GC ran between measurements. */
  readonly gcBetweenMeasurements: boolean;
}

/** A backend the run looked at, whether it ran or not. */
export interface BackendReport {
  readonly id: string;
  /** Whether it ran in this run; false when unavailable here or left out by `--quick` (see `note`). */
  readonly available: boolean;
  /** Why an unavailable backend did not run, or a note on how it ran. */
  readonly note?: string;
}

/** One timed (workload, backend, cell, pass), with the derived throughputs. */
export interface SpeedResult extends Measurement {
  readonly workload: string;
  readonly backend: string;
  readonly cell: CellName;
  readonly pass: Pass;
  /** Nominal FLOPs of one run (see `flops.ts`). */
  readonly flops: number;
  /** `batch · seqLen / median`. */
  readonly stepsPerSecond: number;
  /** `flops / median`, in GFLOP/s. */
  readonly gflops: number;
}

/** A (workload, backend, pass) that failed; the backend's later figures were skipped, the rest of the run went on. */
export interface SpeedFailure {
  readonly workload: string;
  readonly backend: string;
  readonly cells: readonly CellName[];
  readonly pass: Pass;
  readonly error: string;
}

/** The whole results file (`--json`, `bench-results/latest.json`). */
export interface BenchResults {
  readonly schema: typeof RESULTS_SCHEMA;
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  /** The effective options: workloads, cells, passes, repetition plan, quick. */
  readonly options: {
    readonly quick: boolean;
    readonly workloads: readonly Workload[];
    readonly cells: readonly CellName[];
    readonly passes: readonly Pass[];
    readonly warmup: number;
    readonly reps: number;
    readonly minTotalMs: number;
    readonly maxReps: number;
  };
  readonly backends: readonly BackendReport[];
  readonly parameters: readonly ParameterRow[];
  readonly speed: readonly SpeedResult[];
  readonly failures: readonly SpeedFailure[];
}

/** Describes this machine and process. */
export function machineInfo(gcBetweenMeasurements: boolean): MachineInfo {
  const cpuList = cpus();
  return {
    platform: platform(),
    release: release(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    gcBetweenMeasurements,
  };
}

/** The key that identifies one speed figure across runs: `workload/backend/cell/pass`. */
export function speedKey(r: Pick<SpeedResult, 'workload' | 'backend' | 'cell' | 'pass'>): string {
  return `${r.workload}/${r.backend}/${r.cell}/${r.pass}`;
}

/**
 * Parses and checks a results file's text.
 *
 * @throws when it is not JSON or not of {@link RESULTS_SCHEMA}.
 */
export function parseResults(text: string, source = 'results'): BenchResults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== RESULTS_SCHEMA) {
    throw new Error(`${source}: expected schema '${RESULTS_SCHEMA}', got ${JSON.stringify(schema)}`);
  }
  const results = value as BenchResults;
  if (!Array.isArray(results.speed) || !Array.isArray(results.parameters)) {
    throw new Error(`${source}: 'speed' and 'parameters' must be arrays`);
  }
  return results;
}
