import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listWorkspacePackages } from '../check-selective-install.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const changesetBin = createRequire(join(repoRoot, 'package.json')).resolve('@changesets/cli/bin.js');

type Manifest = { name: string; version: string; private?: boolean } & Partial<Record<DependencyField, Record<string, string>>>;
type DependencyField = 'dependencies' | 'peerDependencies' | 'optionalDependencies' | 'devDependencies';

/** A private app that depends on core, so the test covers apps before `apps/*` exist. */
const probeApp: Manifest = { name: '@gated/changeset-probe-app', version: '0.0.0', private: true, dependencies: { '@gated/core': '*' } };

/**
 * Copies what `changeset version` reads (the root manifest, the workspace manifests and
 * `.changeset/config.json`, no sources) into a temporary folder.
 */
function copyRepoSkeleton(): { dir: string; manifests: Map<string, { path: string; manifest: Manifest }> } {
  const dir = mkdtempSync(join(tmpdir(), 'gated-changeset-'));
  cpSync(join(repoRoot, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, '.changeset'));
  cpSync(join(repoRoot, '.changeset/config.json'), join(dir, '.changeset/config.json'));
  const manifests = new Map<string, { path: string; manifest: Manifest }>();
  for (const { dir: packageDir, manifest } of listWorkspacePackages(repoRoot) as { dir: string; manifest: Manifest }[]) {
    const path = join(dir, relative(repoRoot, packageDir), 'package.json');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(manifest, null, 2));
    manifests.set(manifest.name, { path, manifest });
  }
  const appPath = join(dir, 'apps/changeset-probe-app/package.json');
  mkdirSync(dirname(appPath), { recursive: true });
  writeFileSync(appPath, JSON.stringify(probeApp, null, 2));
  manifests.set(probeApp.name, { path: appPath, manifest: probeApp });
  return { dir, manifests };
}

/**
 * `root` and every public package that depends on it (`dependencies`/`optionalDependencies`),
 * directly or through another one. Peer dependents (the backends) are not bumped: their peer range
 * (`>=0.0.0 <1.0.0`) still holds and `onlyUpdatePeerDependentsWhenOutOfRange` is on, so a core
 * release does not force a new major of every backend.
 */
function publicDependents(root: string, manifests: Map<string, { manifest: Manifest }>): Set<string> {
  const result = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const { manifest } of manifests.values()) {
      if (manifest.private || result.has(manifest.name)) continue;
      const runtime = { ...manifest.dependencies, ...manifest.optionalDependencies };
      if (Object.keys(runtime).some((dep) => result.has(dep))) {
        result.add(manifest.name);
        grew = true;
      }
    }
  }
  return result;
}

describe('changeset version', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['patch', 'minor'])('a %s changeset for @gated/core bumps core and its dependents only, never apps', (bump) => {
    const skeleton = copyRepoSkeleton();
    dir = skeleton.dir;
    writeFileSync(join(dir, '.changeset/sample-core-change.md'), `---\n'@gated/core': ${bump}\n---\n\nA sample change to core.\n`);

    const result = spawnSync(process.execPath, [changesetBin, 'version'], { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);

    const bumped = new Set<string>();
    for (const { path, manifest } of skeleton.manifests.values()) {
      const after = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
      if (after.version !== manifest.version) bumped.add(manifest.name);
    }
    const expected = publicDependents('@gated/core', skeleton.manifests);
    expect([...bumped].sort()).toEqual([...expected].sort());
    expect(bumped.has(probeApp.name)).toBe(false);
    // The changeset is consumed and turned into changelog entries.
    expect(readFileSync(join(dirname(skeleton.manifests.get('@gated/core')!.path), 'CHANGELOG.md'), 'utf8')).toContain('A sample change to core.');
  });
});
