import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSelectiveInstall, entrySpecifiers, internalClosure, listWorkspacePackages } from '../check-selective-install.mjs';

/**
 * Fixture mini-packages, written as already-built tarball contents (ESM + CJS + .d.ts behind an
 * exports map with `types` first), so that the check runs offline and without a build:
 *   - `@fixture/base`: no dependencies;
 *   - `@fixture/good`: imports `@fixture/base` and declares it as a peer dependency;
 *   - `@fixture/leaky`: imports `@fixture/base` but declares nothing, as a package would that only
 *     works inside the monorepo because the workspace hoists its neighbours into `node_modules`.
 */
interface Fixture {
  name: string;
  peerDependencies?: Record<string, string>;
  imports?: string;
}

function writeFixture(root: string, { name, peerDependencies, imports }: Fixture): { dir: string; manifest: Record<string, unknown> } {
  const dir = join(root, name.replace('@fixture/', ''));
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const manifest = {
    name,
    version: '1.0.0',
    type: 'module',
    files: ['dist'],
    exports: {
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    ...(peerDependencies ? { peerDependencies } : {}),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const value = imports ? 'base + 1' : '41';
  writeFileSync(join(dir, 'dist/index.js'), `${imports ? `import { base } from '${imports}';\n` : ''}export const ${exportName(name)} = ${value};\n`);
  writeFileSync(join(dir, 'dist/index.cjs'), `${imports ? `const { base } = require('${imports}');\n` : ''}exports.${exportName(name)} = ${value};\n`);
  const types = `${imports ? `import type { base } from '${imports}';\nexport declare const ${exportName(name)}: typeof base;\n` : `export declare const ${exportName(name)}: number;\n`}`;
  writeFileSync(join(dir, 'dist/index.d.ts'), types);
  writeFileSync(join(dir, 'dist/index.d.cts'), types);
  return { dir, manifest };
}

function exportName(name: string): string {
  return name.replace('@fixture/', '');
}

describe('check-selective-install', () => {
  let root: string;
  let packages: { dir: string; manifest: Record<string, unknown> }[];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'gated-selective-fixture-'));
    packages = [
      writeFixture(root, { name: '@fixture/base' }),
      writeFixture(root, { name: '@fixture/good', peerDependencies: { '@fixture/base': '^1.0.0' }, imports: '@fixture/base' }),
      writeFixture(root, { name: '@fixture/leaky', imports: '@fixture/base' }),
    ];
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('passes packages that declare what they import and fails one that imports an undeclared dependency', async () => {
    const lines: string[] = [];
    const results = await checkSelectiveInstall({ packages, log: (line: string) => lines.push(line) });
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));

    expect(byName['@fixture/base'].ok).toBe(true);
    expect(byName['@fixture/good'].ok).toBe(true);
    expect(byName['@fixture/good'].stages).toEqual({ install: 'ok', esm: 'ok', cjs: 'ok', 'types:nodenext': 'ok', 'types:bundler': 'ok' });

    const leaky = byName['@fixture/leaky'];
    expect(leaky.ok).toBe(false);
    // The package installs fine; every way of loading it then fails on the missing neighbour.
    expect(leaky.stages).toEqual({ install: 'ok', esm: 'failed', cjs: 'failed', 'types:nodenext': 'failed', 'types:bundler': 'failed' });
    expect(leaky.error).toContain('@fixture/base');
    expect(lines.some((line) => line.startsWith('FAIL @fixture/leaky'))).toBe(true);
    expect(lines.some((line) => line.startsWith('PASS @fixture/good'))).toBe(true);
  });

  it('installs the peer and dependency closure of workspace packages, nothing else', () => {
    const manifests = new Map<string, Record<string, unknown>>([
      ['@gated/core', { name: '@gated/core' }],
      ['@gated/backend-cpu', { name: '@gated/backend-cpu', peerDependencies: { '@gated/core': '^0.1.0' } }],
      ['@gated/gru', { name: '@gated/gru', dependencies: { '@gated/core': '^0.1.0' }, devDependencies: { '@gated/backend-cpu': '*' } }],
      ['bench', { name: 'bench', private: true, dependencies: { '@gated/gru': '*', '@gated/backend-cpu': '*' } }],
    ]);
    expect(internalClosure('@gated/gru', manifests).sort()).toEqual(['@gated/core', '@gated/gru']);
    expect(internalClosure('bench', manifests).sort()).toEqual(['@gated/backend-cpu', '@gated/core', '@gated/gru', 'bench']);
  });

  it('probes every code subpath export', () => {
    expect(
      entrySpecifiers({
        name: '@gated/core',
        exports: { '.': {}, './testing': {}, './package.json': './package.json', './extra/*': './dist/*.js' },
      }),
    ).toEqual(['@gated/core', '@gated/core/testing']);
    expect(entrySpecifiers({ name: 'plain', main: 'index.js' })).toEqual(['plain']);
  });

  it('discovers the workspace packages from the root workspaces globs', () => {
    const names = listWorkspacePackages().map((p) => p.manifest.name as string);
    expect(names).toContain('@gated/core');
  });
});
