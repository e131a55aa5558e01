import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { chromiumAvailability, openSite, watchPage, type BrowserSite } from '../../../vitest.browser';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { CpuBackend } from './index';
import { runLayerCheck, type LayerCheckValues } from '../browser/layer-check-scenario';
import type { LayerCheckPageResult } from '../browser/layer-check';

/**
 * The browser check: `browser/layer-check.html` runs GRU and LSTM layers forward and backward and a
 * 64³ product on `CpuBackend` in headless Chromium, with the `js` set and with the set `auto` picks
 * there (a wasm one), compiled by `CpuBackend.create`; every number must match the `js` set here.
 * The page is served cross-origin isolated, so it also starts two Web Workers on the shared wasm
 * memory and checks that a GRU layer split across them is bit-identical to one thread.
 * The page's modules are built from source in `beforeAll`, so a stale `dist` can never pass.
 */

const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const packagesDir = resolve(packageDir, '..');

async function buildPage(outDir: string): Promise<void> {
  const module = (name: string, entry: string): Options => ({
    config: false,
    silent: true,
    clean: false,
    outDir,
    entry: { [name]: entry },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    external: [/^@gated\//],
  });
  await Promise.all([
    build(module('gated-core', join(packagesDir, 'core/src/index.ts'))),
    build(module('gated-backend-cpu', join(packageDir, 'src/index.ts'))),
    build(module('layer-check', join(packageDir, 'browser/layer-check.ts'))),
  ]);
  copyFileSync(join(packageDir, 'browser/layer-check.html'), join(outDir, 'layer-check.html'));
}

describe('browser check: CpuBackend kernel sets in headless Chromium', () => {
  const runs = requireOrSkip('Chromium', chromiumAvailability());
  let site: BrowserSite | null = null;
  let reference: LayerCheckValues;

  beforeAll(async () => {
    if (!runs) return;
    reference = runLayerCheck(new CpuBackend({ kernels: 'js' }));
    // Cross-origin isolated, so the page has SharedArrayBuffer and the wasm sets their Web Workers.
    site = await openSite(buildPage, {
      prefix: 'gated-cpu-browser-check-',
      headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    });
  }, 120_000);

  afterAll(() => site?.close());

  it('js and the wasm set auto picks (compiled by CpuBackend.create) match the js set in Node', async () => {
    if (site === null) throw new Error('the browser did not start');
    const page = await site.browser.newPage();
    const problems = watchPage(page);
    try {
      await page.goto(`${site.origin}/layer-check.html`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
      const result = (await page.evaluate(() => window.__result)) as LayerCheckPageResult;
      expect(result.error, problems.join('\n')).toBeNull();
      expect(problems).toEqual([]);
      const kernels = result.runs.map((r) => r.kernels);
      expect(kernels[0]).toBe('js');
      expect(['wasm-simd', 'wasm-relaxed']).toContain(kernels[1]);
      // The main thread may refuse synchronous compilation (then `auto` falls back to js).
      expect(['js', kernels[1]]).toContain(result.syncKernels);
      for (const run of result.runs) {
        expect(Object.keys(run.numbers)).toEqual(Object.keys(reference.numbers));
        for (const [label, values] of Object.entries(run.numbers)) {
          assertClose(values, reference.numbers[label], TOLERANCE.accumulation, `browser ${run.kernels} vs node js: ${label}`);
        }
      }
      // Web Workers on the shared memory: two threads started, and the split layer is bit-identical to one thread.
      expect(result.isolated).toBe(true);
      expect(result.threads?.started).toBe(2);
      const { split, single } = result.threads as NonNullable<LayerCheckPageResult['threads']>;
      expect(split.length).toBeGreaterThan(0);
      assertClose(split, single, TOLERANCE.exact, 'browser: GRU layer on 2 threads vs 1');
      console.info(
        `browser check: new CpuBackend() on the main thread ran ${result.syncKernels}; CpuBackend.create() ran ${kernels[1]}; ${result.threads?.started} threads (Web Workers), ${split.length} numbers bit-identical to 1 thread`,
      );
    } finally {
      await page.close();
    }
  });
});
