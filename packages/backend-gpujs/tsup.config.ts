import { defineConfig, type Options } from 'tsup';
import { packageBuild } from '../../tsup.shared';

/**
 * The browser bundle, `dist/browser/gated-backend-gpujs.browser.js`: one ES module that a page can
 * load without a bundler (`@gated/backend-gpujs/browser`).
 *
 * gpu.js is bundled in, resolved through its `browser` field (`dist/gpu-browser.js`, which has no
 * `require('gl')` and no Node built-ins), because a browser cannot load its CommonJS Node entry.
 * `@gated/core` stays a bare import, mapped by the page's import map: a second copy of core would
 * give the page two `Tensor` classes and two default backends.
 *
 * `src/browser.test.ts` builds the same options into a temporary folder, so that it never tests a
 * stale `dist`.
 */
export const browserBundle: Options = {
  entry: { 'gated-backend-gpujs.browser': 'src/index.ts' },
  outDir: 'dist/browser',
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  dts: false,
  sourcemap: true,
  clean: true,
  external: ['@gated/core'],
  noExternal: ['gpu.js'],
};

export default defineConfig([
  // Both builds run at once: the Node build cleans `dist` but leaves `dist/browser` to the other.
  { ...packageBuild({ index: 'src/index.ts' }), clean: ['!browser/**'] },
  browserBundle,
]);
