import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Availability } from './vitest.skip';

/**
 * What the browser checks share: where Chromium is, whether it is there, and a static server for the
 * pages they build (ES modules do not load from `file://`).
 */

/** The Chromium the checks drive: Debian's, or the one `GATED_CHROMIUM` names. */
export const CHROMIUM = process.env.GATED_CHROMIUM ?? '/usr/bin/chromium';

/** Whether {@link CHROMIUM} exists, for `requireOrSkip('Chromium', chromiumAvailability())`. */
export function chromiumAvailability(): Availability {
  return existsSync(CHROMIUM)
    ? { available: true }
    : { available: false, reason: `no Chromium at ${CHROMIUM} (install Debian's chromium, or point GATED_CHROMIUM at a Chromium binary)` };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Serves the files under `root` on 127.0.0.1 at a random port, nothing outside it, with `headers` on
 * every file (e.g. the two that make a page cross-origin isolated, so it may use SharedArrayBuffer).
 */
export async function serveDirectory(root: string, headers: Readonly<Record<string, string>> = {}): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(root, new URL(request.url ?? '/', 'http://127.0.0.1').pathname));
    if (!path.startsWith(root) || !existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { ...headers, 'content-type': CONTENT_TYPES[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
