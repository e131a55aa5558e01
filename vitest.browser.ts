import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Availability } from './vitest.skip';

/**
 * What the browser checks share: where Chromium is, whether it is there, a static server for the
 * pages they build (ES modules do not load from `file://`), the build → serve → launch → tear down
 * cycle of a check ({@link openSite}), and what a page reports going wrong ({@link watchPage}).
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

/** A check's pages, built into a temporary folder and served on 127.0.0.1, with Chromium launched. */
export interface BrowserSite {
  readonly origin: string;
  readonly browser: Browser;
  /** Closes the browser and the server and removes the folder. */
  close(): Promise<void>;
}

/** Options of {@link openSite}. */
export interface SiteOptions {
  /** Prefix of the temporary folder's name. */
  readonly prefix: string;
  /** Chromium's arguments. @defaultValue `['--headless=new', '--no-sandbox']` (CI runs as root in a container) */
  readonly args?: readonly string[];
  /** Headers on every file ({@link serveDirectory}); not with `serve`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A server of the site's own instead of {@link serveDirectory}. */
  readonly serve?: (root: string) => Promise<{ server: Server; origin: string }>;
}

/**
 * Builds a check's pages with `build` into a fresh temporary folder, serves it and launches
 * {@link CHROMIUM} on it; whatever started is stopped again if a later part fails.
 */
export async function openSite(build: (root: string) => Promise<void>, options: SiteOptions): Promise<BrowserSite> {
  const root = mkdtempSync(join(tmpdir(), options.prefix));
  let server: Server | null = null;
  let browser: Browser | null = null;
  const close = async () => {
    await browser?.close();
    await new Promise((done) => (server === null ? done(undefined) : server.close(done)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await build(root);
    const served = await (options.serve ?? ((dir: string) => serveDirectory(dir, options.headers)))(root);
    server = served.server;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [...(options.args ?? ['--headless=new', '--no-sandbox'])] });
    return { origin: served.origin, browser, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Collects what goes wrong on `page` from now on: console errors and warnings, uncaught page errors,
 * HTTP responses of 400 and above, and failed requests, one line each.
 */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console.${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  return problems;
}
