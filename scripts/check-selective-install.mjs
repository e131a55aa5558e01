#!/usr/bin/env node
/**
 * Selective-install check: every public workspace package must work when it is installed on its
 * own, from its npm tarball, next to nothing but the `@gated/*` packages it declares.
 *
 * For each public package P:
 *   1. `npm pack` P and every other workspace package (one call, into one temporary folder);
 *   2. create an empty project and `npm install --ignore-scripts` only P's tarball plus the tarballs
 *      of the workspace packages P reaches through `dependencies` / `peerDependencies` /
 *      `optionalDependencies` (transitively); workspace packages never come from the registry;
 *   3. for `.` and every subpath export: `import()` it from an ESM script and `require()` it from a
 *      CJS script, each asserting a non-empty namespace;
 *   4. type-check a TypeScript file importing every entry point, with `moduleResolution` `nodenext`
 *      (an `.mts` and a `.cts` file) and `bundler`, using the repository's own `tsc`.
 *
 * Anything P imports without declaring it is absent from that project, so step 3 or 4 fails.
 *
 * Usage: node scripts/check-selective-install.mjs [--skip-build] [--keep] [package-name ...]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * The workspace packages of the monorepo at `root`, from the `workspaces` globs of its root
 * `package.json` (only `dir/*` and plain folder patterns, which is all this repo uses).
 * @returns {{ dir: string, manifest: Record<string, any> }[]}
 */
export function listWorkspacePackages(root = repoRoot) {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const patterns = Array.isArray(rootManifest.workspaces) ? rootManifest.workspaces : (rootManifest.workspaces?.packages ?? []);
  const dirs = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isDirectory()) dirs.push(join(parent, entry.name));
      }
    } else {
      dirs.push(join(root, pattern));
    }
  }
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
}

/**
 * The import specifiers of a package's entry points: `name` for `.`, `name/sub` for `./sub`.
 * Pattern exports (`./*`) and non-code exports (`./package.json`, `*.json`, `*.css`) are skipped.
 * @param {Record<string, any>} manifest
 * @returns {string[]}
 */
export function entrySpecifiers(manifest) {
  const { exports } = manifest;
  const isSubpathMap = exports !== null && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  if (!isSubpathMap) return [manifest.name];
  return Object.keys(exports)
    .filter((key) => !key.includes('*') && !/\.(json|css)$/.test(key))
    .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`));
}

/**
 * The names of the known packages that `name` needs at run time, itself included, following
 * `dependencies`, `peerDependencies` and `optionalDependencies` transitively.
 * @param {string} name
 * @param {Map<string, Record<string, any>>} manifests known packages by name
 */
export function internalClosure(name, manifests) {
  const seen = new Set([name]);
  const queue = [name];
  while (queue.length > 0) {
    const manifest = manifests.get(queue.shift());
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        if (manifests.has(dep) && !seen.has(dep)) {
          seen.add(dep);
          queue.push(dep);
        }
      }
    }
  }
  return [...seen];
}

/** Runs a command without blocking the event loop; resolves with its exit code and output. */
function run(command, args, options = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => resolvePromise({ code: 1, output: output + String(error) }));
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** The first lines of a failing command's output that say what went wrong. */
function digest(output, max = 6) {
  const lines = output
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !/^npm warn/i.test(line) && !line.startsWith('    at '));
  // Node prints the source line of a throw before the error itself: lead with the error lines.
  const important = lines.filter((line) => /^\s*(\w*Error\b|npm error|.*error TS\d+)/.test(line) || /ERR_[A-Z_]+/.test(line));
  return (important.length > 0 ? important : lines).slice(0, max).join('\n      ');
}

/** Limits how many async jobs run at once. */
async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Packs `packageDirs` into `destination` with one `npm pack` call.
 * @returns {Promise<Map<string, string>>} tarball path by package name
 */
export async function packPackages(packageDirs, destination) {
  const { code, output } = await run(npmCommand, ['pack', ...packageDirs, '--pack-destination', destination, '--json', '--ignore-scripts', '--loglevel=error'], {
    cwd: destination,
  });
  if (code !== 0) throw new Error(`npm pack failed:\n${output}`);
  const json = output.slice(output.indexOf('['), output.lastIndexOf(']') + 1);
  return new Map(JSON.parse(json).map((entry) => [entry.name, join(destination, entry.filename)]));
}

const tsconfigBase = {
  strict: true,
  noEmit: true,
  // The package's own .d.ts files are what is under test: check them, with no ambient @types.
  skipLibCheck: false,
  types: [],
  target: 'ES2022',
  lib: ['ES2022'],
};

/** Writes the ESM, CJS and TypeScript probes for `specifiers` into `dir`. */
function writeProbes(dir, specifiers) {
  const list = JSON.stringify(specifiers);
  writeFileSync(
    join(dir, 'probe-esm.mjs'),
    `for (const specifier of ${list}) {
  const namespace = await import(specifier);
  const names = Object.keys(namespace).filter((name) => name !== 'default');
  if (names.length === 0) throw new Error(\`ESM import of \${specifier} has no named exports\`);
}
`,
  );
  writeFileSync(
    join(dir, 'probe-cjs.cjs'),
    `for (const specifier of ${list}) {
  const exported = require(specifier);
  if (exported === null || typeof exported !== 'object' || Object.keys(exported).length === 0) {
    throw new Error(\`require(\${JSON.stringify(specifier)}) has no exports\`);
  }
}
`,
  );
  const esmSource = specifiers.map((s, i) => `import * as entry${i} from '${s}';`).join('\n') + `\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`;
  const cjsSource = specifiers.map((s, i) => `import entry${i} = require('${s}');`).join('\n') + `\nexport const entries = [${specifiers.map((_, i) => `entry${i}`).join(', ')}];\n`;
  writeFileSync(join(dir, 'probe.mts'), esmSource);
  writeFileSync(join(dir, 'probe.cts'), cjsSource);
  writeFileSync(join(dir, 'probe-bundler.ts'), esmSource);
  writeFileSync(
    join(dir, 'tsconfig.nodenext.json'),
    JSON.stringify({ compilerOptions: { ...tsconfigBase, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['probe.mts', 'probe.cts'] }, null, 2),
  );
  writeFileSync(
    join(dir, 'tsconfig.bundler.json'),
    JSON.stringify({ compilerOptions: { ...tsconfigBase, module: 'preserve', moduleResolution: 'bundler' }, files: ['probe-bundler.ts'] }, null, 2),
  );
}

/**
 * Checks one package in a fresh project under `workDir`.
 * @returns {Promise<{ name: string, ok: boolean, stages: Record<string, string>, error?: string, seconds: number }>}
 */
async function checkOne({ name, manifest, tarballs, manifests, workDir, tscPath, npmCache }) {
  const started = performance.now();
  const stages = {};
  const finish = (error) => ({ name, ok: error === undefined, stages, error, seconds: (performance.now() - started) / 1000 });

  const closure = internalClosure(name, manifests);
  const installed = closure.map((dep) => tarballs.get(dep));
  const undeclaredScoped = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
    (dep) => dep.startsWith('@gated/') && !manifests.has(dep),
  );
  if (undeclaredScoped.length > 0) {
    return finish(`depends on ${undeclaredScoped.join(', ')}, which is not a package of this workspace (it would come from the registry)`);
  }
  const thirdParty = Object.keys({ ...manifest.dependencies }).some((dep) => !manifests.has(dep));

  const project = join(workDir, name.replace(/^@/, '').replace(/\//g, '__'));
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'selective-install-probe', version: '0.0.0', private: true }, null, 2));
  const installArgs = ['install', ...installed, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'];
  // Tarballs alone never need the network; third-party dependencies come from the shared cache when they can.
  installArgs.push(thirdParty ? '--prefer-offline' : '--offline');
  if (npmCache) installArgs.push('--cache', npmCache);
  const install = await run(npmCommand, installArgs, { cwd: project });
  if (install.code !== 0) {
    stages.install = 'failed';
    return finish(`npm install failed: ${digest(install.output)}`);
  }
  stages.install = 'ok';

  const specifiers = entrySpecifiers(manifest);
  writeProbes(project, specifiers);
  const probes = [
    ['esm', process.execPath, ['probe-esm.mjs']],
    ['cjs', process.execPath, ['probe-cjs.cjs']],
    ['types:nodenext', process.execPath, [tscPath, '-p', 'tsconfig.nodenext.json']],
    ['types:bundler', process.execPath, [tscPath, '-p', 'tsconfig.bundler.json']],
  ];
  const outcomes = await Promise.all(probes.map(([, command, args]) => run(command, args, { cwd: project })));
  const errors = [];
  probes.forEach(([stage], i) => {
    stages[stage] = outcomes[i].code === 0 ? 'ok' : 'failed';
    if (outcomes[i].code !== 0) errors.push(`${stage}: ${digest(outcomes[i].output)}`);
  });
  return finish(errors.length > 0 ? errors.join('\n    ') : undefined);
}

/**
 * Runs the selective-install check over `packages` (public ones only; private ones may still be
 * dependencies). Prints one line per package through `log`.
 * @param {{ packages: { dir: string, manifest: Record<string, any> }[], only?: string[], keep?: boolean, log?: (line: string) => void, npmCache?: string }} options
 * @returns {Promise<{ name: string, ok: boolean, stages: Record<string, string>, error?: string, seconds: number }[]>}
 */
export async function checkSelectiveInstall({ packages, only, keep = false, log = console.log, npmCache }) {
  const manifests = new Map(packages.map((p) => [p.manifest.name, p.manifest]));
  const targets = packages.filter((p) => !p.manifest.private && (only === undefined || only.length === 0 || only.includes(p.manifest.name)));
  const tscPath = createRequire(join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');
  const workDir = mkdtempSync(join(tmpdir(), 'gated-selective-install-'));
  try {
    const tarballDir = join(workDir, 'tarballs');
    mkdirSync(tarballDir);
    const needed = new Set(targets.flatMap((p) => internalClosure(p.manifest.name, manifests)));
    const tarballs = await packPackages(
      packages.filter((p) => needed.has(p.manifest.name)).map((p) => p.dir),
      tarballDir,
    );
    const limit = Math.max(1, Math.min(availableParallelism(), 8));
    return await mapLimit(targets, limit, async ({ manifest }) => {
      const result = await checkOne({ name: manifest.name, manifest, tarballs, manifests, workDir, tscPath, npmCache });
      const stages = Object.entries(result.stages)
        .map(([stage, outcome]) => (outcome === 'ok' ? stage : `${stage}(FAILED)`))
        .join(' ');
      log(`${result.ok ? 'PASS' : 'FAIL'} ${manifest.name} [${stages}] ${result.seconds.toFixed(1)}s`);
      if (!result.ok) log(`    ${result.error}`);
      return result;
    });
  } finally {
    if (keep) log(`(kept ${workDir})`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  const started = performance.now();
  if (!args.includes('--skip-build')) {
    const build = spawnSync(process.execPath, [createRequire(join(repoRoot, 'package.json')).resolve('turbo/bin/turbo'), 'run', 'build', '--output-logs=errors-only'], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    if (build.status !== 0) {
      console.error('selective-install: build failed');
      process.exit(build.status ?? 1);
    }
  }
  console.log('selective-install: each public package installed alone from its tarball (ESM, CJS, tsc nodenext + bundler)');
  const results = await checkSelectiveInstall({ packages: listWorkspacePackages(), only, keep: args.includes('--keep') });
  const failed = results.filter((r) => !r.ok);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`selective-install: ${results.length - failed.length} passed, ${failed.length} failed (${seconds}s)`);
  if (failed.length > 0) process.exit(1);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
