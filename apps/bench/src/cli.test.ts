import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli';
import { parseResults } from './results';

describe('gated-bench end to end (tiny run on the CPU backend)', () => {
  it('prints both tables, writes the JSON and the chart, and reports unavailable backends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gated-bench-cli-'));
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (t: string) => void out.push(t), isTTY: false },
      stderr: { write: (t: string) => void err.push(t), isTTY: false },
      cwd: dir,
      backends: async () => [
        { id: 'cpu', available: true, quick: true, create: async () => new (await import('@gated/backend-cpu')).CpuBackend() },
        { id: 'gpujs:headlessgl', available: false, quick: true, note: 'no X display', create: () => Promise.reject(new Error('unavailable')) },
      ],
    };
    const code = await main(['--workloads', 'small', '--reps', '1', '--warmup', '1', '--min-time', '0', '--out-dir', 'out'], io);
    const text = out.join('');
    expect(code, err.join('')).toBe(0);
    expect(text).toContain('Parameter counts');
    expect(text).toMatch(/\n\s+32\s+64\s+1\s+1\s+18,816\s+25,088\s+0\.750/);
    expect(text).toMatch(/small\s+cpu\s+forward\s+GRU/);
    expect(text).toContain('fwd+bwd');
    expect(text).toContain('not run: gpujs:headlessgl: no X display');
    // Progress in log mode: one line per figure on stderr.
    expect(err.join('')).toMatch(/\[2\/2\] small · cpu · fwd\+bwd: GRU [0-9.,]+ ms \(1 runs\), LSTM/);
    const json = parseResults(readFileSync(join(dir, 'out', 'latest.json'), 'utf8'));
    expect(json.speed).toHaveLength(4);
    expect(json.machine.node).toBe(process.version);
    expect(json.backends).toEqual([{ id: 'cpu', available: true }, { id: 'gpujs:headlessgl', available: false, note: 'no X display' }]);
    for (const r of json.speed) {
      expect(r.timing.runs).toBe(1);
      expect(r.stepsPerSecond).toBeCloseTo((16 * 32 * 1000) / r.timing.medianMs, 6);
    }
    expect(existsSync(join(dir, 'out', 'latest.svg'))).toBe(true);
  });

  it('--quick measures a backend with quickWorkloads on those only, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gated-bench-cli-'));
    const out: string[] = [];
    const cpu = async () => new (await import('@gated/backend-cpu')).CpuBackend();
    const io = {
      stdout: { write: (t: string) => void out.push(t), isTTY: false },
      stderr: { write: () => undefined, isTTY: false },
      cwd: dir,
      backends: async () => [
        { id: 'cpu', available: true, quick: true, create: cpu },
        { id: 'gpujs:headlessgl', available: true, quick: true, quickWorkloads: ['small'], create: cpu },
      ],
    };
    // --workloads is not given, so the limit applies; tiny repetition counts keep it short.
    const code = await main(['--quick', '--cells', 'gru', '--passes', 'forward', '--reps', '1', '--min-time', '0', '--no-params', '--out-dir', 'out'], io);
    expect(code).toBe(0);
    const json = parseResults(readFileSync(join(dir, 'out', 'latest.json'), 'utf8'));
    const figures = (backend: string) => json.speed.filter((r) => r.backend === backend).map((r) => r.workload);
    expect(figures('cpu')).toEqual(['small', 'medium', 'deep-bi']);
    expect(figures('gpujs:headlessgl')).toEqual(['small']);
    expect(out.join('')).toContain('gpujs:headlessgl: --quick measures it on small only; --full or --workloads for the others');
    // Named workloads lift the limit.
    const named = await main(['--quick', '--workloads', 'small,medium', '--cells', 'gru', '--passes', 'forward', '--reps', '1', '--min-time', '0', '--no-params', '--out-dir', 'out2'], io);
    expect(named).toBe(0);
    const json2 = parseResults(readFileSync(join(dir, 'out2', 'latest.json'), 'utf8'));
    expect(json2.speed.filter((r) => r.backend === 'gpujs:headlessgl').map((r) => r.workload)).toEqual(['small', 'medium']);
  }, 120_000);

  it('prints the usage with --help and exits 2 on a bad option', async () => {
    const out: string[] = [];
    const sink = { write: (t: string) => void out.push(t), isTTY: false };
    expect(await main(['--help'], { stdout: sink, stderr: sink, cwd: tmpdir() })).toBe(0);
    expect(out.join('')).toContain('--compare OLD.json');
    expect(await main(['--reps', 'x'], { stdout: sink, stderr: sink, cwd: tmpdir() })).toBe(2);
  });
});
