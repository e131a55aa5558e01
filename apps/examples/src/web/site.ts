import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError, MODEL_FILES, readConfig } from '../shared/model-files';

/** The folder of `apps/examples` (from `src/web` under vitest, from `dist` when built). */
export function appDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'src', 'web', 'page', 'index.html'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find apps/examples/src/web/page above this module');
    dir = parent;
  }
  return dir;
}

/** The trained model the demo ships with (`npm run example:mnist`'s default run, committed). */
export function defaultDemoModel(): string {
  return join(appDirectory(), 'models', 'mnist-gru');
}

/**
 * Builds the demo into `outDir`: `index.html`, `digit-demo.js` (the page script and the `@gated/*`
 * packages it imports, bundled into one ES module for the browser, as a user's bundler would) and
 * `model/` (a copy of `modelDir`). With `fromSource`, the packages are bundled from their TypeScript
 * sources (the tests, which run without a build); otherwise from their built ESM `dist/`.
 */
export async function buildWebDemo(outDir: string, modelDir: string, options: { fromSource?: boolean } = {}): Promise<void> {
  readConfig(modelDir, 'mnist');
  if (!existsSync(join(modelDir, MODEL_FILES.weights))) throw new ModelFileError(`no model weights at ${join(modelDir, MODEL_FILES.weights)}`);
  const page = join(appDirectory(), 'src', 'web', 'page');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'model'), { recursive: true });
  const { build } = await import('tsup');
  await build({
    config: false,
    silent: true,
    entry: { 'digit-demo': join(page, 'digit-demo.ts') },
    outDir,
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    clean: false,
    dts: false,
    noExternal: [/^@gated\//],
    esbuildOptions(esbuild) {
      if (options.fromSource === true) esbuild.conditions = ['@gated/source'];
    },
  });
  copyFileSync(join(page, 'index.html'), join(outDir, 'index.html'));
  for (const file of [MODEL_FILES.config, MODEL_FILES.weights]) copyFileSync(join(modelDir, file), join(outDir, 'model', file));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 (`port` 0: any free port); ES modules need http, not `file://`. */
export async function serve(root: string, port = 0): Promise<{ server: Server; origin: string }> {
  const base = resolve(root);
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const path = normalize(join(base, pathname === '/' ? 'index.html' : pathname));
    if (!path.startsWith(base) || !existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
