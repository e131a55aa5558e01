import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

// Two projects: every test on the kernel sets this Node validates (js and wasm-simd on Node 20), and
// the kernel-set suites again under relaxed SIMD only, which Node 20 runs with the V8 flag.
export default mergeConfig(
  shared,
  defineConfig({
    test: {
      projects: [
        { extends: true, test: { name: 'cpu' } },
        {
          resolve: shared.resolve,
          ssr: shared.ssr,
          test: {
            name: 'cpu wasm-relaxed',
            include: ['src/conformance.test.ts', 'src/kernels/recurrent-layer.test.ts', 'src/wasm/*.test.ts'],
            testTimeout: shared.test?.testTimeout,
            execArgv: ['--experimental-wasm-relaxed-simd'],
            env: { GATED_KERNEL_SETS: 'wasm-relaxed' },
          },
        },
      ],
    },
  }),
);
