/**
 * The code blocks of the repository's documentation (`README.md` and every `docs/**\/*.md` except
 * the generated `docs/api`), and what is done with each, so that the docs cannot drift from the API.
 * `scripts/test/docs-code-blocks.test.ts` applies the rules:
 *
 * | fence language                 | what the test does                                                  |
 * | ------------------------------ | ------------------------------------------------------------------- |
 * | `ts`, `typescript`             | type-checks it (`tsc`, strict, `@gated/*` from source) and runs it  |
 * | `js`, `javascript`, `mjs`      | runs it                                                             |
 * | `sh`, `bash`, `shell`          | checks each command it names: `npm run X` / `npm test` need the     |
 * |                                | root script, `npx turbo run X` the turbo task, `--filter=` and      |
 * |                                | `npm install @gated/x` a workspace package, `bash`/`sh`/`node`/     |
 * |                                | `python3` a file, `npx bin` an installed binary                     |
 * | `json`                         | parses it                                                           |
 * | `python`                       | nothing: the PyTorch side of a comparison, run by its own fixture   |
 * |                                | scripts with Debian's torch, not by the Node test suite             |
 * | none, `text`, `txt`, `console` | nothing: diagrams, equations and printed output                     |
 * | `html`                         | nothing: a page (the browser check of backend-gpujs runs its own)   |
 * | anything else                  | fails: add a rule here first                                        |
 *
 * A block that is deliberately not runnable is preceded by `<!-- not-run: reason -->` (blank lines
 * may sit between). The test lists such blocks with their reasons and reports them as skipped; a
 * marker with no reason, or with no block after it, fails. A block that needs an X display
 * (gpu.js's `headlessgl` mode) is preceded by `<!-- requires: display -->`: it runs under
 * `xvfb-run -a` when no display is set, and where neither exists it is skipped with that reason
 * (with `CI=true` it fails), like the package tests that need the Debian packages.
 *
 * Blocks come from `README.md`, `docs/**\/*.md` (not the generated `docs/api`) and the README of
 * every workspace package (what npm shows a package's users).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Languages whose blocks are type-checked and run. */
export const TYPESCRIPT = new Set(['ts', 'typescript']);
/** Languages whose blocks are run without a type check. */
export const JAVASCRIPT = new Set(['js', 'javascript', 'mjs']);
/** Languages whose blocks are command lines, checked against the repository. */
export const SHELL = new Set(['sh', 'bash', 'shell']);
/** Languages parsed as data. */
export const JSON_LANGUAGES = new Set(['json']);
/** Languages never run: the PyTorch side of comparisons (python), diagrams, equations and output. */
export const NOT_CODE = new Set(['python', '', 'text', 'txt', 'console', 'html']);
/** What a `<!-- requires: ... -->` marker may name. */
export const REQUIREMENTS = new Set(['display']);

/**
 * @typedef {object} CodeBlock
 * @property {string} file       path relative to the repository root, `/`-separated
 * @property {number} line       1-based line of the block's first code line
 * @property {string} lang       the fence's language, lower case (`''` when none)
 * @property {string} code       the block's text, the fence's indentation removed
 * @property {string | undefined} notRun  the reason of a `<!-- not-run: reason -->` marker before it
 * @property {string[]} requires  what `<!-- requires: ... -->` markers before it name (`display`)
 * @property {'typescript' | 'javascript' | 'shell' | 'json' | 'not-code'} kind  what the docs test does with it
 */

/** The markdown files whose blocks are checked: `README.md`, then `docs/**\/*.md` (not `docs/api`), sorted. */
export function listDocFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (path !== 'docs/api') walk(path);
      } else if (entry.name.endsWith('.md')) {
        found.push(path);
      }
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  // The README of each workspace package: what npm shows a user of that package.
  const packageReadmes = ['packages', 'apps']
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}/README.md`))
    .filter((path) => existsSync(join(root, path)))
    .sort();
  return [...(existsSync(join(root, 'README.md')) ? ['README.md'] : []), ...found.sort(), ...packageReadmes];
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const NOT_RUN = /^\s*<!--\s*not-run:(.*?)-->\s*$/;
const REQUIRES = /^\s*<!--\s*requires:(.*?)-->\s*$/;

/** The kind of a fence language, or throws naming the file, the line and the language. */
function kindOf(lang, where) {
  if (TYPESCRIPT.has(lang)) return 'typescript';
  if (JAVASCRIPT.has(lang)) return 'javascript';
  if (SHELL.has(lang)) return 'shell';
  if (JSON_LANGUAGES.has(lang)) return 'json';
  if (NOT_CODE.has(lang)) return 'not-code';
  throw new Error(`${where}: a code block in language '${lang}', which the docs test has no rule for (add one in scripts/docs-code-blocks.mjs)`);
}

/**
 * The fenced code blocks of one markdown text.
 *
 * @param {string} markdown
 * @param {string} file  the path to name in blocks and errors
 * @returns {CodeBlock[]}
 */
export function extractBlocks(markdown, file) {
  const lines = markdown.split('\n');
  const blocks = [];
  /** @type {{ reason: string | undefined, requires: string[], line: number } | null} */
  let pending = null;
  for (let i = 0; i < lines.length; i++) {
    const marker = NOT_RUN.exec(lines[i]);
    if (marker) {
      if (pending?.reason !== undefined) throw new Error(`${file}:${pending.line}: a not-run marker with no code block after it`);
      const reason = marker[1].trim();
      if (reason === '') throw new Error(`${file}:${i + 1}: a not-run marker needs a reason: <!-- not-run: why this block cannot run -->`);
      pending = { requires: [], line: i + 1, ...pending, reason };
      continue;
    }
    const requires = REQUIRES.exec(lines[i]);
    if (requires) {
      const names = requires[1].split(',').map((n) => n.trim());
      for (const name of names) {
        if (!REQUIREMENTS.has(name)) throw new Error(`${file}:${i + 1}: a requires marker names '${name}' (expected one of ${[...REQUIREMENTS].join(', ')})`);
      }
      pending = { reason: undefined, line: i + 1, ...pending, requires: [...(pending?.requires ?? []), ...names] };
      continue;
    }
    const open = FENCE.exec(lines[i]);
    if (!open) {
      if (pending && lines[i].trim() !== '') throw new Error(`${file}:${pending.line}: a marker with no code block after it`);
      continue;
    }
    const [, indent, fence, info] = open;
    const lang = info.toLowerCase();
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end].trim().startsWith(fence[0].repeat(fence.length)) && lines[end].trim().replace(new RegExp(`^\\${fence[0]}+`), '') === '')) end++;
    if (end === lines.length) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    const code = lines
      .slice(start, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join('\n');
    blocks.push({ file, line: start + 1, lang, code, notRun: pending?.reason, requires: pending?.requires ?? [], kind: kindOf(lang, `${file}:${i + 1}`) });
    pending = null;
    i = end;
  }
  if (pending) throw new Error(`${file}:${pending.line}: a marker with no code block after it`);
  return blocks;
}

/** Every code block of every documentation file under `root`. */
export function collectBlocks(root) {
  return listDocFiles(root).flatMap((file) => extractBlocks(readFileSync(join(root, file), 'utf8'), file));
}

/** A file-system-safe name for a block: `docs-getting-started-md-L35`. */
export function blockSlug(block) {
  return `${block.file.replace(/[^A-Za-z0-9]+/g, '-')}-L${block.line}`;
}

/** Shell tokens of one command line, quotes removed (no expansion: docs name literal commands). */
function tokens(command) {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/**
 * The problems of a shell block: every command it names must exist in this repository.
 *
 * @param {string} code  the block's text
 * @param {{ root: string, scripts: Record<string, string>, turboTasks: string[], workspaces: string[] }} repo
 * @returns {string[]} one message per problem, empty when the block is right
 */
export function checkShellBlock(code, repo) {
  const problems = [];
  for (const rawLine of code.split('\n')) {
    // A comment starts at a `#` at the line's start or after a space.
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    for (const command of line.split(/&&|\|\||;|\|/).map((c) => c.trim()).filter(Boolean)) {
      const words = tokens(command);
      const [program, ...args] = words;
      const filterOf = (list) => list.filter((a) => a.startsWith('--filter=')).map((a) => a.slice('--filter='.length).replace(/\.\.\.$/, ''));
      const checkFilters = (list) => {
        for (const name of filterOf(list)) if (!repo.workspaces.includes(name)) problems.push(`'${command}': --filter names '${name}', which is no workspace package`);
      };
      if (program === 'npm') {
        const [sub, ...rest] = args;
        if (sub === 'run' || sub === 'run-script') {
          const script = rest[0];
          if (script === undefined || !(script in repo.scripts)) problems.push(`'${command}': package.json has no script '${script ?? ''}'`);
        } else if (sub === 'test' || sub === 't') {
          if (!('test' in repo.scripts)) problems.push(`'${command}': package.json has no test script`);
        } else if (sub === 'install' || sub === 'i') {
          for (const name of rest.filter((a) => a.startsWith('@gated/'))) {
            if (!repo.workspaces.includes(name.replace(/@[^@/]*$/, ''))) problems.push(`'${command}': there is no package '${name}'`);
          }
        }
      } else if (program === 'npx') {
        const [bin, ...rest] = args.filter((a) => a !== '--no-install');
        if (bin === 'turbo' && rest[0] === 'run') {
          const task = rest[1];
          if (task === undefined || !(repo.turboTasks.includes(task) || repo.turboTasks.includes(`//#${task}`) || task in repo.scripts)) {
            problems.push(`'${command}': turbo.json has no task '${task ?? ''}'`);
          }
          checkFilters(rest);
        } else if (bin !== undefined && !existsSync(join(repo.root, 'node_modules/.bin', bin))) {
          problems.push(`'${command}': no installed binary '${bin}' (node_modules/.bin)`);
        }
      } else if (['bash', 'sh', 'node', 'python3', 'python', '/usr/bin/python3'].includes(program)) {
        const path = args.find((a) => !a.startsWith('-'));
        if (path !== undefined && !existsSync(join(repo.root, path))) problems.push(`'${command}': no file ${path}`);
      }
    }
  }
  return problems;
}

/** What {@link checkShellBlock} checks against, read from the repository at `root`. */
export function readRepository(root, workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8'));
  return { root, scripts: manifest.scripts ?? {}, turboTasks: Object.keys(turbo.tasks ?? {}), workspaces };
}
