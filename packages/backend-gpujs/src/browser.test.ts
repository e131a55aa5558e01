import { copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Options } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOrSkip } from '../../../vitest.skip';
import { chromiumAvailability, openSite, watchPage, type BrowserSite } from '../../../vitest.browser';
import { CpuBackend } from '@gated/backend-cpu';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { browserBundle } from '../tsup.config';
import { runGruCheck, type GruCheckValues } from '../browser/gru-check-scenario';
import type { GruCheckPageResult } from '../browser/gru-check';

/**
 * The browser check: `browser/gru-check.html` runs a GRU forward and backward on `GpujsBackend` in
 * headless Chromium (WebGL through SwiftShader, no GPU needed) and every number must match the same
 * run on `CpuBackend` here. The page loads the package's browser bundle, built in `beforeAll` from
 * the same tsup options as `npm run build`, so a stale `dist` can never pass.
 */


/**
 * WebGL without a GPU runs on SwiftShader. Chromium 156 still falls back to it unasked, but Chromium
 * is withdrawing that implicit fallback for WebGL, so it is named here. `--headless=new` is current
 * Chromium's only headless mode; `--no-sandbox` because CI runs as root in a container.
 */
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const packagesDir = resolve(packageDir, '..');


/** Builds the page and the modules its import map names into `outDir`. */
async function buildPage(outDir: string): Promise<void> {
  const quiet: Options = { config: false, silent: true, clean: false, outDir };
  // @gated/core and @gated/gru as a page without a bundler gets them: one ES module each, from source.
  const module = (name: string, entry: string): Options => ({
    ...quiet,
    entry: { [name]: entry },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    external: [/^@gated\//],
  });
  const bundleEntry = Object.fromEntries(
    Object.entries(browserBundle.entry as Record<string, string>).map(([name, path]) => [name, join(packageDir, path)]),
  );
  await Promise.all([
    build({ ...browserBundle, ...quiet, entry: bundleEntry }),
    build(module('gated-core', join(packagesDir, 'core/src/index.ts'))),
    build(module('gated-gru', join(packagesDir, 'gru/src/index.ts'))),
    build(module('gru-check', join(packageDir, 'browser/gru-check.ts'))),
  ]);
  copyFileSync(join(packageDir, 'browser/gru-check.html'), join(outDir, 'gru-check.html'));
}

/** Every number of a run, labelled, in a fixed order. */
function numbersOf(values: GruCheckValues): [string, number[]][] {
  return [['output', values.output], ['hN', values.hN], ['loss', [values.loss]], ...Object.entries(values.gradients).map(([name, g]): [string, number[]] => [`grad ${name}`, g])];
}

/** Asserts that every number matches within `TOLERANCE.device`; returns the largest absolute difference. */
function compareWithCpu(actual: GruCheckValues, expected: GruCheckValues): number {
  expect(Object.keys(actual.gradients)).toEqual(Object.keys(expected.gradients));
  const expectedNumbers = new Map(numbersOf(expected));
  let largest = 0;
  for (const [label, values] of numbersOf(actual)) {
    const reference = expectedNumbers.get(label) ?? [];
    assertClose(values, reference, TOLERANCE.device, `${actual.backend} vs ${expected.backend}: ${label}`);
    values.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - reference[i]))));
  }
  return largest;
}

describe('browser check: a GRU on GpujsBackend in headless Chromium', () => {
  const runs = requireOrSkip('Chromium', chromiumAvailability());
  let site: BrowserSite | null = null;
  let cpu: GruCheckValues;

  beforeAll(async () => {
    if (!runs) return;
    cpu = runGruCheck(new CpuBackend());
    site = await openSite(buildPage, { prefix: 'gated-browser-check-', args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(() => site?.close());

  /** Opens the page for `mode` and returns its result; console errors and page errors go into any failure. */
  async function openPage(mode: string): Promise<GruCheckPageResult> {
    if (site === null) throw new Error('the browser did not start');
    const page = await site.browser.newPage();
    const problems = watchPage(page);
    try {
      await page.goto(`${site.origin}/gru-check.html?mode=${mode}`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60_000 });
      const result = (await page.evaluate(() => window.__result)) as GruCheckPageResult;
      if (result.error !== null || problems.length > 0) {
        throw new Error(`page ?mode=${mode}: ${result.error ?? 'no error'}\n${problems.join('\n')}`);
      }
      return result;
    } catch (error) {
      if (error instanceof Error && !error.message.startsWith('page ?mode=')) {
        error.message = `page ?mode=${mode}: ${error.message}\nbrowser console:\n${problems.join('\n') || '(nothing)'}`;
      }
      throw error;
    } finally {
      await page.close();
    }
  }

  it('webgl2: output, hN, loss and every gradient match CpuBackend within TOLERANCE.device', async () => {
    const result = await openPage('webgl2');
    expect(result.probes.webgl2).toEqual({ mode: 'webgl2', available: true });
    expect(result.webgl2Context?.version).toMatch(/^WebGL 2\.0/);
    expect(result.mode).toBe('webgl2');
    expect(result.values?.backend).toBe('gpujs:webgl2');
    const largest = compareWithCpu(result.values as GruCheckValues, cpu);
    console.info(
      `browser check webgl2 (${result.webgl2Context?.renderer}, MAX_TEXTURE_SIZE ${result.maxTextureSize}, ${result.kernelCount} kernels): ` +
        `max |Δ| vs cpu ${largest.toExponential(2)}, page ran ${result.milliseconds.toFixed(0)} ms`,
    );
  });

  it('webgl, asked for explicitly (never a fallback from webgl2): the same numbers', async () => {
    const result = await openPage('webgl');
    expect(result.probes.webgl).toEqual({ mode: 'webgl', available: true });
    expect(result.mode).toBe('webgl');
    expect(result.values?.backend).toBe('gpujs:webgl');
    const largest = compareWithCpu(result.values as GruCheckValues, cpu);
    console.info(`browser check webgl: max |Δ| vs cpu ${largest.toExponential(2)}, page ran ${result.milliseconds.toFixed(0)} ms`);
  });

  it('a mode the browser cannot run is reported, not replaced by another', async () => {
    await expect(openPage('headlessgl')).rejects.toThrow("gpu.js mode 'headlessgl' is not available here: headless-gl runs only in Node");
  });
});
