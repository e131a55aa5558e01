import type { Options } from 'tsup';

/** Shared tsup options: ESM + CJS + `.d.ts`, one bundle per public entry point. */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
  };
}
