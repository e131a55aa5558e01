import { defineConfig } from 'vitest/config';

/**
 * Shared vitest configuration: tests run from TypeScript sources of every `@gated/*` package
 * (the `@gated/source` export condition), so no build is needed before `npm test`.
 */
export default defineConfig({
  resolve: { conditions: ['@gated/source', 'module', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@gated/source'], externalConditions: ['@gated/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
