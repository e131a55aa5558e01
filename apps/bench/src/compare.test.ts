import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './cli';
import { compareResults, comparisonText } from './compare';
import type { ParameterRow } from './parameters';
import { results, speedResult } from './test-helpers';

const base = results([
  speedResult('small', 'gru', 'forward', [10, 10, 10]),
  speedResult('small', 'lstm', 'forward', [20, 20, 20]),
  speedResult('small', 'gru', 'backward', [30, 30, 30]),
]);

describe('compareResults', () => {
  it('flags a synthetic 25% slowdown past a 10% threshold and nothing else', () => {
    const current = results([
      speedResult('small', 'gru', 'forward', [12.5, 12.5, 12.5]),
      speedResult('small', 'lstm', 'forward', [21, 21, 21]),
      speedResult('small', 'gru', 'backward', [20, 20, 20]),
    ]);
    const c = compareResults(base, current, 0.1);
    const status = Object.fromEntries(c.speed.map((s) => [s.key, s.status]));
    expect(status).toEqual({
      'small/cpu/gru/forward': 'regression',
      'small/cpu/lstm/forward': 'unchanged',
      'small/cpu/gru/backward': 'improvement',
    });
    expect(c.speed[0].change).toBeCloseTo(0.25, 12);
    expect(c.failed).toBe(true);
    const text = comparisonText(c);
    expect(text).toContain('+25.0%');
    expect(text).toContain('SLOWER');
    expect(text).toContain('FAIL: 1 figure(s) slower than the base by more than 10%');
  });

  it('passes when every change is within the threshold, and ignores figures on one side only', () => {
    const current = results([speedResult('small', 'gru', 'forward', [10.5, 10.5, 10.5]), speedResult('medium', 'gru', 'forward', [99, 99, 99])]);
    const c = compareResults(base, current, 0.1);
    expect(c.failed).toBe(false);
    expect(c.speed.map((s) => s.status).sort()).toEqual(['missing', 'missing', 'new', 'unchanged']);
    expect(comparisonText(c)).toContain('OK: no figure slower');
  });

  it('fails on any changed parameter count', () => {
    const row = (gru: number): ParameterRow => ({
      config: { inputSize: 1, hiddenSize: 2, numLayers: 1, bidirectional: false },
      counts: { pytorch: { gru, lstm: 40, ratio: gru / 40 }, keras: { gru, lstm: 40, ratio: 1 }, 'single-bias': { gru: 24, lstm: 32, ratio: 0.75 } },
    });
    const c = compareResults(results([], { parameters: [row(30)] }), results([], { parameters: [row(31)] }), 0.1);
    expect(c.failed).toBe(true);
    expect(c.parameters).toHaveLength(2);
    expect(comparisonText(c)).toContain('parameter count changed: GRU I1 H2 L1 (pytorch): 30 → 31');
  });
});

describe('gated-bench --compare (the CLI, on files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gated-bench-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: { stdout: { write: (t: string) => void out.push(t), isTTY: false }, stderr: { write: (t: string) => void err.push(t), isTTY: false }, cwd: dir },
    };
  };
  const basePath = write('old.json', base);

  it('exits 1 on a synthetic regression and prints the change per figure', async () => {
    const slower = write('slow.json', results(base.speed.map((s) => speedResult(s.workload, s.cell, s.pass, s.samples.map((x) => x * 1.5)))));
    const t = io();
    expect(await main(['--compare', basePath, '--current', slower], t.io)).toBe(1);
    const text = t.out.join('');
    expect(text).toContain('+50.0%');
    expect(text).toContain('FAIL: 3 figure(s)');
  });

  it('exits 0 when the same results are compared, and respects --threshold', async () => {
    const t = io();
    expect(await main(['--compare', basePath, '--current', basePath], t.io)).toBe(0);
    const slower = write('slow5.json', results(base.speed.map((s) => speedResult(s.workload, s.cell, s.pass, s.samples.map((x) => x * 1.05)))));
    expect(await main(['--compare', basePath, '--current', slower, '--threshold', '3'], io().io)).toBe(1);
    expect(await main(['--compare', basePath, '--current', slower, '--threshold', '10'], io().io)).toBe(0);
  });

  it('exits 2 with a message on a file of another format', async () => {
    const t = io();
    expect(await main(['--compare', write('bad.json', { schema: 'other' }), '--current', basePath], t.io)).toBe(2);
    expect(t.err.join('')).toContain("expected schema 'gated-bench/v1'");
    expect(readFileSync(basePath, 'utf8')).toContain('gated-bench/v1');
  });
});
