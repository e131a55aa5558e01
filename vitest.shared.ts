import { defineConfig } from 'vitest/config';

/**
 * Shared vitest configuration: tests run from TypeScript sources of every `@gated/*` package
 * (the `@gated/source` export condition), so no build is needed before `npm test`.
 *
 * Besides the default console reporter, each run writes a JSON report to
 * `.vitest-results/results.json` in the package it ran in (a turbo output, so cache hits restore
 * it); `scripts/test-summary.mjs` sums those into the `Tests: N passed, N failed` line of `.ci/run`.
 * `GATED_VITEST_RESULTS` names another file, for a run that must leave the package's report alone
 * (the tooling tests that run a package's tests in a changed environment).
 */
export const resultsFile = process.env.GATED_VITEST_RESULTS ?? '.vitest-results/results.json';

export default defineConfig({
  resolve: { conditions: ['@gated/source', 'module', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@gated/source'], externalConditions: ['@gated/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: resultsFile }]],
  },
});
