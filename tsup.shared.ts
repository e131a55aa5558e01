import type { Options } from 'tsup';

/**
 * Shared tsup options: ESM + CJS + `.d.ts`, one bundle per public entry point.
 *
 * `skipNodeModulesBundle` keeps every bare import (`@gated/*` and third-party alike) external, so a
 * package never ships a private copy of another one (two `Tensor` classes would fail `instanceof`),
 * and an import the package did not declare stays visible: `scripts/check-selective-install.mjs`
 * then fails on it instead of tsup silently inlining it from the hoisted `node_modules`.
 */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    skipNodeModulesBundle: true,
  };
}
