import { defineConfig } from 'vitest/config';
import shared from '../vitest.shared';

/** The tests of the repository tooling itself (`scripts/test/`), run from the root by `npm run test:tooling`. */
export default defineConfig({
  ...shared,
  test: { ...shared.test, include: ['scripts/test/**/*.test.ts'], testTimeout: 120_000 },
});
