import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NO_REASON, summarize } from '../test-summary.mjs';

/**
 * `npm test` on a machine where scripts/install-debian-deps.sh never ran: no X display for
 * headless-gl, no Chromium. The checks that need them must skip, say why, and be counted by the
 * summary; with CI=true they must fail instead. The package's own tests run here in that
 * environment for real (DISPLAY removed, vitest started without xvfb-run, GATED_CHROMIUM pointing
 * nowhere), once without CI and once with CI=true.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const gpujsDir = join(repoRoot, 'packages/backend-gpujs');
const vitestBin = join(repoRoot, 'node_modules/vitest/vitest.mjs');
const workDir = mkdtempSync(join(tmpdir(), 'gated-optional-checks-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Assertion {
  title: string;
  status: string;
  meta?: { skipReason?: string };
}
interface Report {
  numPassedTests: number;
  numFailedTests: number;
  success: boolean;
  testResults: { status: string; assertionResults: Assertion[] }[];
}

/** Runs the headless-gl smoke test and the browser check as a machine without the Debian packages would. */
function runWithoutDebianPackages(ci: boolean): { status: number | null; output: string; report: Report } {
  const resultsFile = join(workDir, `results-ci-${ci}.json`);
  const env: Record<string, string | undefined> = { ...process.env, GATED_CHROMIUM: join(workDir, 'no-chromium-here'), GATED_VITEST_RESULTS: resultsFile };
  delete env.DISPLAY;
  delete env.CI;
  if (ci) env.CI = 'true';
  const run = spawnSync(process.execPath, [vitestBin, 'run', 'src/mode.test.ts', 'src/browser.test.ts'], { cwd: gpujsDir, env, encoding: 'utf8', timeout: 100_000 });
  const report = JSON.parse(readFileSync(resultsFile, 'utf8')) as Report;
  return { status: run.status, output: `${run.stdout}${run.stderr}`, report };
}

const tests = (report: Report): Assertion[] => report.testResults.flatMap((r) => r.assertionResults);

describe('without the Debian packages (no X display, no Chromium)', () => {
  it('npm test passes: the headless-gl and Chromium checks skip, each with its reason, and say so on stderr', () => {
    const { status, output, report } = runWithoutDebianPackages(false);
    expect(status, output).toBe(0);
    const skipped = tests(report).filter((t) => t.status === 'skipped');
    expect(skipped.map((t) => t.title)).toEqual(
      expect.arrayContaining(['runs a kernel and reads float32 back exactly', 'webgl2: output, hN, loss and every gradient match CpuBackend within TOLERANCE.device']),
    );
    expect(skipped.find((t) => t.title === 'runs a kernel and reads float32 back exactly')?.meta?.skipReason).toMatch(/^gpu.js mode 'headlessgl' is not available here: no X display/);
    expect(skipped.find((t) => t.title.startsWith('webgl2:'))?.meta?.skipReason).toMatch(/^Chromium is not available here: no Chromium at .*no-chromium-here/);
    expect(output).toMatch(/SKIPPED: gpu.js mode 'headlessgl' is not available here/);
    expect(output).toMatch(/SKIPPED: Chromium is not available here/);

    const summary = summarize([{ where: 'packages/backend-gpujs', report }]);
    expect(summary.ok).toBe(true);
    expect(summary.skipped).toBe(skipped.length);
    expect(summary.lines).toContain(`SKIPPED: ${skipped.length} test(s) did not run, by reason:`);
    expect(summary.lines.some((l) => l.includes("gpu.js mode 'headlessgl' is not available here"))).toBe(true);
    expect(summary.lines.at(-1)).toMatch(/^Tests: \d+ passed, 0 failed$/);
  });

  it('with CI=true the same checks are required: each fails once, naming what is missing', () => {
    const { status, output, report } = runWithoutDebianPackages(true);
    expect(status, output).not.toBe(0);
    const failed = tests(report).filter((t) => t.status === 'failed').map((t) => t.title);
    expect(failed).toEqual(expect.arrayContaining(["gpu.js mode 'headlessgl' is required with CI=true", 'Chromium is required with CI=true']));
    const summary = summarize([{ where: 'packages/backend-gpujs', report }]);
    expect(summary.ok).toBe(false);
    expect(summary.lines.at(-1)).toBe(`Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
  });
});

describe('test-summary', () => {
  const report = (assertions: Assertion[]): Report => ({
    numPassedTests: assertions.filter((a) => a.status === 'passed').length,
    numFailedTests: assertions.filter((a) => a.status === 'failed').length,
    success: assertions.every((a) => a.status !== 'failed'),
    testResults: [{ status: 'passed', assertionResults: assertions }],
  });

  it('counts skipped tests per package and lists them by reason; the last line keeps its format', () => {
    const { lines, passed, failed, skipped, ok } = summarize([
      { where: 'packages/a', report: report([{ title: 'x', status: 'passed' }, { title: 'y', status: 'skipped', meta: { skipReason: 'no GPU' } }]) },
      { where: 'packages/b', report: report([{ title: 'z', status: 'skipped', meta: { skipReason: 'no GPU' } }, { title: 'w', status: 'skipped' }]) },
    ]);
    expect({ passed, failed, skipped, ok }).toEqual({ passed: 1, failed: 0, skipped: 3, ok: true });
    expect(lines).toEqual([
      '  packages/a               1 passed, 0 failed, 1 skipped',
      '  packages/b               0 passed, 0 failed, 2 skipped',
      'SKIPPED: 3 test(s) did not run, by reason:',
      '      2  no GPU  [packages/a, packages/b]',
      `      1  ${NO_REASON}  [packages/b]`,
      'Tests: 1 passed, 0 failed',
    ]);
  });

  it('prints no skip lines when nothing was skipped, and fails on a failed test', () => {
    const { lines, ok } = summarize([{ where: '(root)', report: report([{ title: 'x', status: 'failed' }]) }]);
    expect(ok).toBe(false);
    expect(lines).toEqual(['  (root)                   0 passed, 1 failed', 'Tests: 0 passed, 1 failed']);
  });
});
