import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

// Every test on the CPU kernel sets this Node validates, and the PyTorch fixtures again under the
// relaxed-SIMD kernel set, which Node 20 runs only with the V8 flag.
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: 'lstm' } },
        {
          resolve: shared.resolve,
          ssr: shared.ssr,
          test: {
            name: 'lstm wasm-relaxed',
            include: ['src/lstm.fixtures.test.ts'],
            testTimeout: shared.test?.testTimeout,
            execArgv: ['--experimental-wasm-relaxed-simd'],
            env: { GATED_KERNEL_SETS: 'wasm-relaxed' },
          },
        },
      ],
    },
  }),
);
