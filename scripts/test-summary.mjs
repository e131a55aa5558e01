#!/usr/bin/env node
/**
 * Sums the vitest JSON reports (`.vitest-results/results.json`, written by every vitest run through
 * `vitest.shared.ts`) of the root and of each workspace package, and prints, as its last line,
 * `Tests: N passed, N failed`. Exits non-zero when a test, a test file or a whole vitest run failed
 * (a test file that fails to load counts as one failed test).
 *
 * Usage: node scripts/test-summary.mjs          print the summary
 *        node scripts/test-summary.mjs --clean  delete the reports first (before a fresh run)
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listWorkspacePackages } from './check-selective-install.mjs';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const reportDirs = [repoRoot, ...listWorkspacePackages(repoRoot).map((p) => p.dir)].map((dir) => join(dir, '.vitest-results'));

if (process.argv.includes('--clean')) {
  for (const dir of reportDirs) rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

let passed = 0;
let failed = 0;
let brokenFiles = 0;
let failedRuns = 0;
for (const dir of reportDirs) {
  const file = join(dir, 'results.json');
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  // A test file that fails to load has no failed test, only a failed suite: count it too.
  const broken = report.testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed')).length;
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  brokenFiles += broken;
  // A run with nothing failed can still fail as a whole, e.g. when it found no test files.
  const runFailed = report.success === false && report.numFailedTests === 0 && broken === 0;
  if (runFailed) failedRuns++;
  const where = relative(repoRoot, join(dir, '..')) || '(root)';
  const notes = [broken > 0 ? `${broken} test file(s) failed to run` : '', runFailed ? 'the vitest run failed (no test files?)' : ''].filter(Boolean);
  console.log(`  ${where.padEnd(24)} ${report.numPassedTests} passed, ${report.numFailedTests} failed${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`);
}
console.log(`Tests: ${passed} passed, ${failed + brokenFiles} failed`);
process.exit(failed + brokenFiles + failedRuns > 0 ? 1 : 0);
