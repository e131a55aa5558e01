import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { beforeAll, describe, expect, it } from 'vitest';
import { skipWithReason } from '../../vitest.skip';
import { listWorkspacePackages } from '../check-selective-install.mjs';
import { blockSlug, checkShellBlock, collectBlocks, extractBlocks, listDocFiles, readRepository, type CodeBlock } from '../docs-code-blocks.mjs';

/**
 * Every code block of README.md and docs/**\/*.md, by the rules of scripts/docs-code-blocks.mjs:
 * TypeScript blocks are type-checked together with one `tsc` run (strict, `@gated/*` read from
 * source, as the packages' own typecheck does) and each is then run on its own in a fresh Node
 * process, bundled with `@gated/*` from source, under a time limit. Shell blocks name only scripts,
 * tasks, packages and files that exist; JSON blocks parse. Python blocks (the PyTorch side of a
 * comparison) and diagrams are not run. New doc files are picked up without a change here.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Where the blocks are written: inside the repository (ignored by git), so that `@gated/*` resolve. */
const workDir = join(repoRoot, '.docs-blocks');
/** Wall-clock limit of one block's run: the longest doc example trains a small GRU for a few seconds. */
const BLOCK_TIME_LIMIT_MS = 90_000;

const blocks: CodeBlock[] = collectBlocks(repoRoot);
const runnable = blocks.filter((b) => (b.kind === 'typescript' || b.kind === 'javascript') && b.notRun === undefined);
const label = (b: CodeBlock) => `${b.file}:${b.line} (${b.lang || 'no language'})`;

/** How a block that needs an X display runs here: directly, under xvfb-run, or not at all (and why). */
const hasXvfbRun = spawnSync('sh', ['-c', 'command -v xvfb-run'], { encoding: 'utf8' }).status === 0;
const display: { prefix: string[]; missing?: string } = process.env.DISPLAY
  ? { prefix: [] }
  : hasXvfbRun
    ? { prefix: ['xvfb-run', '-a', '-s', '-screen 0 64x64x24'] }
    : { prefix: [], missing: 'no X display (DISPLAY is unset) and no xvfb-run (scripts/install-debian-deps.sh installs it)' };
const inCi = process.env.CI === 'true';

/** Why `block` is skipped here, or undefined when it runs (a missing display fails instead with CI=true). */
function skipReasonOf(block: CodeBlock): string | undefined {
  if (block.notRun !== undefined) return `marked not-run in ${block.file}: ${block.notRun}`;
  if (block.requires.includes('display') && display.missing !== undefined && !inCi) return `needs an X display: ${display.missing}`;
  return undefined;
}

interface Prepared {
  /** tsc's errors per block slug. */
  diagnostics: Map<string, string[]>;
  /** The bundled module of each block slug. */
  bundles: Map<string, string>;
}

/** Writes the runnable blocks, type-checks the TypeScript ones with one tsc run, and bundles each. */
async function prepare(): Promise<Prepared> {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const entries: Record<string, string> = {};
  for (const block of runnable) {
    const slug = blockSlug(block);
    const path = join(workDir, `${slug}.${block.kind === 'typescript' ? 'ts' : 'mjs'}`);
    // `export {}` makes each block a module of its own, so that two blocks may declare the same names.
    writeFileSync(path, `${block.code}\nexport {};\n`);
    entries[slug] = path;
  }
  writeFileSync(
    join(workDir, 'tsconfig.json'),
    JSON.stringify({ extends: '../tsconfig.base.json', compilerOptions: { noEmit: true, declaration: false, sourceMap: false }, include: ['*.ts'] }, null, 2),
  );

  const diagnostics = new Map<string, string[]>();
  if (runnable.some((b) => b.kind === 'typescript')) {
    const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', workDir, '--pretty', 'false'], { encoding: 'utf8', timeout: 300_000 });
    let current: string[] | null = null;
    for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n')) {
      const match = /^(.*?)\((\d+),(\d+)\): (error TS\d+: .*)$/.exec(line);
      if (match) {
        const slug = match[1].replace(/^.*[\\/]/, '').replace(/\.ts$/, '');
        current = diagnostics.get(slug) ?? [];
        diagnostics.set(slug, current);
        current.push(`line ${match[2]}: ${match[4]}`);
      } else if (current && line.startsWith(' ')) {
        current.push(line);
      }
    }
    // A failed run whose errors name no block (tsc crashed, or a package source is broken) must not pass every block.
    if (tsc.status !== 0 && diagnostics.size === 0) throw new Error(`tsc failed without naming a doc block:\n${tsc.stdout}${tsc.stderr}`);
  }

  await build({
    config: false,
    silent: true,
    entry: entries,
    outDir: join(workDir, 'out'),
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    splitting: false,
    // @gated/* from source, bundled; every other package from node_modules, as a user gets it.
    noExternal: [/^@gated\//],
    external: [/^(?!@gated\/)[^./]/],
    esbuildOptions: (options) => {
      options.conditions = ['@gated/source'];
    },
  });
  const bundles = new Map(Object.keys(entries).map((slug) => [slug, join(workDir, 'out', `${slug}.js`)]));
  return { diagnostics, bundles };
}

describe('the rules for doc code blocks', () => {
  it('extracts fenced blocks with their language, first line and not-run reason', () => {
    const markdown = ['# T', '', '```ts', 'const a = 1;', '```', '', '<!-- not-run: needs a GPU -->', '', '~~~sh', 'npm test', '~~~', '', '```', 'a → b', '```'].join('\n');
    expect(extractBlocks('<!-- requires: display -->\n  ```ts\n  gl();\n  ```', 'y.md')).toEqual([
      { file: 'y.md', line: 3, lang: 'ts', code: 'gl();', notRun: undefined, requires: ['display'], kind: 'typescript' },
    ]);
    expect(extractBlocks(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 4, lang: 'ts', code: 'const a = 1;', notRun: undefined, requires: [], kind: 'typescript' },
      { file: 'x.md', line: 10, lang: 'sh', code: 'npm test', notRun: 'needs a GPU', requires: [], kind: 'shell' },
      { file: 'x.md', line: 14, lang: '', code: 'a → b', notRun: undefined, requires: [], kind: 'not-code' },
    ]);
  });

  it('refuses a language without a rule, a marker without a reason or a block, and an unclosed block', () => {
    expect(() => extractBlocks('```rust\nfn main() {}\n```', 'x.md')).toThrow("x.md:1: a code block in language 'rust', which the docs test has no rule for");
    expect(() => extractBlocks('<!-- not-run: -->\n```ts\n1\n```', 'x.md')).toThrow('x.md:1: a not-run marker needs a reason');
    expect(() => extractBlocks('<!-- not-run: why -->\nsome prose\n```ts\n1\n```', 'x.md')).toThrow('x.md:1: a marker with no code block after it');
    expect(() => extractBlocks('text\n<!-- not-run: why -->\n', 'x.md')).toThrow('x.md:2: a marker with no code block after it');
    expect(() => extractBlocks('<!-- requires: gpu -->\n```ts\n1\n```', 'x.md')).toThrow("x.md:1: a requires marker names 'gpu' (expected one of display)");
    expect(() => extractBlocks('```ts\nconst a = 1;\n', 'x.md')).toThrow('x.md:1: a code block that is never closed');
  });

  it('checks that shell blocks name scripts, tasks, packages and files that exist', () => {
    const repo = { root: repoRoot, scripts: { test: 'x', bench: 'y' }, turboTasks: ['bench', '//#docs:api'], workspaces: ['@gated/core', '@gated/bench'] };
    expect(checkShellBlock('npm ci\nnpm test   # all\nnpm run bench -- --help\nnpx turbo run bench --filter=@gated/bench -- --help\nbash scripts/install-debian-deps.sh && npm install @gated/core', repo)).toEqual([]);
    expect(checkShellBlock('npm run docs', repo)).toEqual(["'npm run docs': package.json has no script 'docs'"]);
    expect(checkShellBlock('npx turbo run lint --filter=@gated/nope...', repo)).toEqual([
      "'npx turbo run lint --filter=@gated/nope...': turbo.json has no task 'lint'",
      "'npx turbo run lint --filter=@gated/nope...': --filter names '@gated/nope', which is no workspace package",
    ]);
    expect(checkShellBlock('npm install @gated/core @gated/gpu', repo)).toEqual(["'npm install @gated/core @gated/gpu': there is no package '@gated/gpu'"]);
    expect(checkShellBlock('bash scripts/missing.sh', repo)).toEqual(["'bash scripts/missing.sh': no file scripts/missing.sh"]);
    expect(checkShellBlock('/usr/bin/python3 scripts/fixtures/gen_nothing.py', repo)).toEqual(["'/usr/bin/python3 scripts/fixtures/gen_nothing.py': no file scripts/fixtures/gen_nothing.py"]);
    expect(checkShellBlock('npx no-such-binary', repo)).toEqual(["'npx no-such-binary': no installed binary 'no-such-binary' (node_modules/.bin)"]);
  });

  it('finds README.md, every docs/*.md (not the generated docs/api) and every package README', () => {
    const files = listDocFiles(repoRoot);
    expect(files[0]).toBe('README.md');
    expect(files).toEqual(
      expect.arrayContaining(['docs/getting-started.md', 'docs/gru-guide.md', 'docs/contributing.md', 'docs/benchmarks.md', 'packages/core/README.md', 'packages/backend-gpujs/README.md']),
    );
    expect(files.every((f) => f === 'README.md' || (f.startsWith('docs/') && !f.startsWith('docs/api/')) || /^(packages|apps)\/[^/]+\/README\.md$/.test(f))).toBe(true);
  });
});

describe('the code blocks of README.md and docs/*.md', () => {
  let prepared: Prepared;
  beforeAll(async () => {
    prepared = await prepare();
  }, 300_000);

  it('lists what is not run, and why', () => {
    const notRun = blocks.filter((b) => skipReasonOf(b) !== undefined);
    const byKind = (kind: CodeBlock['kind']) => blocks.filter((b) => b.kind === kind).length;
    console.info(
      `doc code blocks: ${blocks.length} in ${new Set(blocks.map((b) => b.file)).size} files; ${byKind('typescript')} TypeScript, ` +
        `${byKind('javascript')} JavaScript, ${byKind('shell')} shell, ${byKind('json')} JSON, ${byKind('not-code')} not code (python, diagrams, output); ` +
        `${notRun.length} not run here${notRun.map((b) => `\n  ${label(b)}: ${skipReasonOf(b)}`).join('')}`,
    );
    expect(runnable.length).toBeGreaterThan(0);
  });

  for (const block of blocks.filter((b) => b.kind === 'typescript' || b.kind === 'javascript')) {
    const checks = block.kind === 'typescript' ? 'type-checks and runs' : 'runs';
    const options = { ...skipWithReason(skipReasonOf(block)), timeout: BLOCK_TIME_LIMIT_MS + 30_000 };
    it(`${label(block)} ${checks}`, options, () => {
      const slug = blockSlug(block);
      // tsc counts lines from the block's first line; name the markdown line instead.
      const errors = (prepared.diagnostics.get(slug) ?? []).map((e) => e.replace(/^line (\d+): /, (_, n: string) => `${block.file}:${block.line + Number(n) - 1}: `));
      expect(errors, `${label(block)} does not type-check`).toEqual([]);
      const bundle = prepared.bundles.get(slug);
      if (bundle === undefined) throw new Error(`${label(block)} was not bundled`);
      const needsDisplay = block.requires.includes('display');
      if (needsDisplay && display.missing !== undefined) throw new Error(`${label(block)} needs an X display, and CI=true requires it: ${display.missing}`);
      const [command, ...args] = [...(needsDisplay ? display.prefix : []), process.execPath, bundle];
      const run = spawnSync(command, args, { cwd: workDir, encoding: 'utf8', timeout: BLOCK_TIME_LIMIT_MS });
      const output = `${run.stdout}${run.stderr}`;
      if (run.error) throw new Error(`${label(block)} did not finish within ${BLOCK_TIME_LIMIT_MS} ms: ${run.error.message}\n${output}`);
      expect(run.status, `${label(block)} exited with ${run.status}:\n${output}`).toBe(0);
    });
  }

  const repo = readRepository(
    repoRoot,
    listWorkspacePackages(repoRoot).map((p) => p.manifest.name as string),
  );
  for (const block of blocks.filter((b) => b.kind === 'shell')) {
    it(`${label(block)} names only scripts, tasks, packages and files that exist`, skipWithReason(block.notRun), () => {
      expect(checkShellBlock(block.code, repo)).toEqual([]);
    });
  }
  for (const block of blocks.filter((b) => b.kind === 'json')) {
    it(`${label(block)} parses`, skipWithReason(block.notRun), () => {
      expect(() => JSON.parse(block.code)).not.toThrow();
    });
  }
});
