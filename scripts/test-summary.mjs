#!/usr/bin/env node
/**
 * Sums the vitest JSON reports (`.vitest-results/results.json`, written by every vitest run through
 * `vitest.shared.ts`) of the root and of each workspace package, and prints, as its last line,
 * `Tests: N passed, N failed`. Exits non-zero when a test, a test file or a whole vitest run failed
 * (a test file that fails to load counts as one failed test).
 *
 * Skipped tests are counted too, and listed by the reason each recorded (`meta.skipReason`, see
 * `vitest.skip.ts`), so that a check that did not run (no X display, no Chromium) is never read as
 * one that passed. A skip does not fail the summary: with `CI=true` the checks CI requires fail
 * instead of skipping.
 *
 * Usage: node scripts/test-summary.mjs          print the summary
 *        node scripts/test-summary.mjs --clean  delete the reports first (before a fresh run)
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listWorkspacePackages } from './check-selective-install.mjs';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** What a skipped test without a recorded reason is listed under. */
export const NO_REASON = '(no reason recorded: give one with skipWithReason or requireOrSkip from vitest.skip.ts)';

/**
 * Summarises vitest JSON reports.
 *
 * @param {{ where: string, report: any }[]} reports  each report with the place it came from
 * @returns {{ lines: string[], passed: number, failed: number, skipped: number, ok: boolean }}
 *   the lines to print (the last is `Tests: N passed, N failed`), the totals, and whether nothing failed
 */
export function summarize(reports) {
  const lines = [];
  let passed = 0;
  let failed = 0;
  let brokenFiles = 0;
  let failedRuns = 0;
  /** @type {Map<string, { count: number, where: Set<string> }>} */
  const skipReasons = new Map();
  for (const { where, report } of reports) {
    // A test file that fails to load has no failed test, only a failed suite: count it too.
    const broken = report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed')).length;
    const skippedHere = report.testResults.flatMap((r) => r.assertionResults).filter((a) => a.status === 'skipped' || a.status === 'pending' || a.status === 'todo');
    for (const test of skippedHere) {
      const reason = test.meta?.skipReason ?? NO_REASON;
      const entry = skipReasons.get(reason) ?? { count: 0, where: new Set() };
      entry.count++;
      entry.where.add(where);
      skipReasons.set(reason, entry);
    }
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    brokenFiles += broken;
    // A run with nothing failed can still fail as a whole, e.g. when it found no test files.
    const runFailed = report.success === false && report.numFailedTests === 0 && broken === 0;
    if (runFailed) failedRuns++;
    const notes = [broken > 0 ? `${broken} test file(s) failed to run` : '', runFailed ? 'the vitest run failed (no test files?)' : ''].filter(Boolean);
    const skippedNote = skippedHere.length > 0 ? `, ${skippedHere.length} skipped` : '';
    lines.push(`  ${where.padEnd(24)} ${report.numPassedTests} passed, ${report.numFailedTests} failed${skippedNote}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`);
  }
  const skipped = [...skipReasons.values()].reduce((n, e) => n + e.count, 0);
  if (skipped > 0) {
    lines.push(`SKIPPED: ${skipped} test(s) did not run, by reason:`);
    for (const [reason, { count, where }] of [...skipReasons].sort((a, b) => b[1].count - a[1].count)) {
      lines.push(`  ${String(count).padStart(5)}  ${reason}  [${[...where].join(', ')}]`);
    }
  }
  lines.push(`Tests: ${passed} passed, ${failed + brokenFiles} failed`);
  return { lines, passed, failed: failed + brokenFiles, skipped, ok: failed + brokenFiles + failedRuns === 0 };
}

/** The report directory of the root and of each workspace package. */
function reportDirs(root) {
  return [root, ...listWorkspacePackages(root).map((p) => p.dir)].map((dir) => join(dir, '.vitest-results'));
}

function main() {
  if (process.argv.includes('--clean')) {
    for (const dir of reportDirs(repoRoot)) rmSync(dir, { recursive: true, force: true });
    return 0;
  }
  const reports = reportDirs(repoRoot)
    .map((dir) => join(dir, 'results.json'))
    .filter((file) => existsSync(file))
    .map((file) => ({ where: relative(repoRoot, join(file, '..', '..')) || '(root)', report: JSON.parse(readFileSync(file, 'utf8')) }));
  const { lines, ok } = summarize(reports);
  for (const line of lines) console.log(line);
  return ok ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exit(main());
}
