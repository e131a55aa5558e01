import { setBackend } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { selectBackends, type BackendEntry } from './backends';
import { selectCells } from './cells';
import { flopsPerRun, gflopsPerSecond, PASS_LABELS, stepsPerSecond } from './flops';
import { formatSignificant } from './format';
import { collectGarbage, measureCells } from './measure';
import type { BenchOptions } from './options';
import { parameterTable } from './parameters';
import type { Progress } from './progress';
import { machineInfo, RESULTS_SCHEMA, type BenchResults, type SpeedFailure, type SpeedResult } from './results';
import { selectWorkloads } from './workloads';

/**
 * Runs the benchmark as `options` say: the parameter table (on the CPU backend), then every
 * (workload, backend, pass) in that order, with the cells' runs interleaved ({@link measureCells})
 * so that GRU and LSTM see the same machine state. A backend that throws is recorded as a failure,
 * its later figures are skipped, and the run goes on.
 *
 * @param makeProgress - creates the progress indicator once the number of figures is known.
 */
export async function runBenchmark(
  options: BenchOptions,
  entries: readonly BackendEntry[],
  makeProgress: (total: number) => Progress,
): Promise<BenchResults> {
  const startedAt = new Date();
  const t0 = process.hrtime.bigint();
  const workloads = selectWorkloads(options.workloads);
  const cells = selectCells(options.cells);
  const chosen = selectBackends(entries, options.backends, options.quick);
  const gc = collectGarbage();

  setBackend(new CpuBackend());
  const parameters = options.skipParameters ? [] : parameterTable();

  const speed: SpeedResult[] = [];
  const failures: SpeedFailure[] = [];
  // `--quick` without `--workloads` measures a backend with `quickWorkloads` on those only.
  const limited = (e: BackendEntry) => options.quick && !options.explicit.has('workloads') && e.available && e.quickWorkloads !== undefined;
  const runsOn = (e: BackendEntry, workload: string) => !limited(e) || (e.quickWorkloads as readonly string[]).includes(workload);
  const backendReports = chosen.map((e) => {
    const note = limited(e) ? `--quick measures it on ${(e.quickWorkloads as readonly string[]).join(', ')} only; --full or --workloads for the others` : e.note;
    return { id: e.id, available: e.available, ...(note ? { note } : {}) };
  });
  if (!options.skipSpeed) {
    const runnable = chosen.filter((e) => e.available);
    const figures = workloads.reduce((n, w) => n + runnable.filter((e) => runsOn(e, w.name)).length, 0);
    const progress = makeProgress(figures * options.passes.length);
    const plan = { warmup: options.warmup, reps: options.reps, minTotalMs: options.minTotalMs, maxReps: options.maxReps };
    // A backend that fails once is not asked again: its remaining figures are skipped with one note.
    const broken = new Set<string>();
    for (const workload of workloads) {
      for (const entry of runnable.filter((e) => runsOn(e, workload.name))) {
        for (const pass of options.passes) {
          progress.start(`${workload.name} · ${entry.id} · ${PASS_LABELS[pass]}`);
          if (broken.has(entry.id)) {
            progress.finish('skipped (backend failed earlier)');
            continue;
          }
          if (entry.passes !== undefined && !entry.passes.includes(pass)) {
            progress.finish(`not measured (${entry.id} runs ${entry.passes.join(', ')} only)`);
            continue;
          }
          try {
            const onRun = (d: number, p: number) => progress.run(d, p);
            // A fresh backend instance per (workload, backend, pass): no cached kernels or pooled
            // memory carry over, so every cold run pays its own compilation and order does not matter.
            const measured = entry.measure
              ? await entry.measure(cells, workload, plan, onRun)
              : await measureCells(await entry.create(), cells, workload, pass, plan, onRun);
            measured.forEach((m, k) => {
              const cell = cells[k];
              const flops = flopsPerRun(cell, workload, pass);
              speed.push({
                workload: workload.name,
                backend: entry.id,
                cell: cell.name,
                pass,
                ...m,
                flops,
                stepsPerSecond: stepsPerSecond(workload, m.timing.medianMs),
                gflops: gflopsPerSecond(flops, m.timing.medianMs),
              });
            });
            progress.finish(measured.map((m, k) => `${cells[k].label} ${formatSignificant(m.timing.medianMs)} ms (${m.timing.runs} runs)`).join(', '));
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            failures.push({ workload: workload.name, backend: entry.id, cells: cells.map((c) => c.name), pass, error: message });
            broken.add(entry.id);
            progress.finish(`failed: ${message.split('\n')[0]}`);
          }
        }
      }
    }
    progress.clear();
  }
  return {
    schema: RESULTS_SCHEMA,
    startedAt: startedAt.toISOString(),
    durationSeconds: Number(process.hrtime.bigint() - t0) / 1e9,
    machine: machineInfo(gc),
    options: {
      quick: options.quick,
      workloads,
      cells: cells.map((c) => c.name),
      passes: [...options.passes],
      warmup: Math.max(1, options.warmup),
      reps: options.reps,
      minTotalMs: options.minTotalMs,
      maxReps: options.maxReps,
    },
    backends: backendReports,
    parameters,
    speed,
    failures,
  };
}
