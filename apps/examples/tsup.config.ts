import { defineConfig } from 'tsup';

// An app, not a library: one ESM entry, no declarations. Every `@gated/*` import stays external and
// resolves to the packages' built `dist/` (turbo builds them first), as it would for a user.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'node',
  skipNodeModulesBundle: true,
  banner: { js: '#!/usr/bin/env node' },
});
