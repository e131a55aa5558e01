import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { loadMnist } from '../mnist/data';
import { classify, loadDigitClassifier } from '../mnist/main';
import { appDirectory, buildWebDemo, defaultDemoModel, serve } from './site';
import type { DigitDemoState } from './page/digit-demo';
import { requireOrSkip } from '../../../../vitest.skip';
import { chromiumAvailability, openSite, watchPage, type BrowserSite } from '../../../../vitest.browser';

/**
 * The browser check of the digit demo: the page is built (from the packages' sources, as the tests
 * run without a build), served on 127.0.0.1 and opened in Debian's headless Chromium; the mouse draws a
 * digit of the MNIST test split onto the canvas, and the page must name it. The numbers the page
 * computed are compared with the same model in Node, and a screenshot goes into the docs.
 */

const SCREENSHOT = resolve(appDirectory(), '..', '..', 'docs', 'examples', 'web-demo.png');
/** Canvas pixels per digit pixel (280 / 28), and the brush the check draws with. */
const CELL = 10;

/** Runs of ink per row of a digit (pixels ≥ 0.5), as [row, first column, last column]. */
function strokes(pixels: Float32Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let row = 0; row < 28; row++) {
    let start = -1;
    for (let col = 0; col <= 28; col++) {
      const ink = col < 28 && pixels[row * 28 + col] >= 0.5;
      if (ink && start === -1) start = col;
      if (!ink && start !== -1) {
        out.push([row, start, col - 1]);
        start = -1;
      }
    }
  }
  return out;
}

describe('browser check: the digit demo in headless Chromium', () => {
  const runs = requireOrSkip('Chromium', chromiumAvailability());
  let site: BrowserSite | null = null;

  beforeAll(async () => {
    if (!runs) return;
    site = await openSite((root) => buildWebDemo(root, defaultDemoModel(), { fromSource: true }), { prefix: 'gated-digit-demo-', serve });
  }, 120_000);

  afterAll(() => site?.close());

  it('draws a test-set digit with the mouse and the page names it, with the numbers of the model in Node', async () => {
    if (site === null) throw new Error('the browser did not start');
    setBackend(new CpuBackend());
    const model = loadDigitClassifier(defaultDemoModel());
    const { test } = loadMnist();
    // The first test digit that the model still names confidently once its ink is drawn as solid strokes.
    const index = test.images.findIndex((image, i) => {
      const solid = image.map((v) => (v >= 0.5 ? 1 : 0));
      const p = classify(model, solid);
      return p[test.labels[i]] > 0.9 && test.labels[i] !== 1;
    });
    const label = test.labels[index];

    const page = await site.browser.newPage({ viewport: { width: 900, height: 560 } });
    const problems = watchPage(page);
    try {
      await page.goto(`${site.origin}/?brush=${CELL}`);
      await page.waitForFunction(() => window.__digitDemo.ready || window.__digitDemo.error !== null, null, { timeout: 60_000 });
      const box = await page.locator('#canvas').boundingBox();
      if (box === null) throw new Error('no canvas on the page');
      for (const [row, first, last] of strokes(test.images[index])) {
        const y = box.y + 1 + row * CELL + CELL / 2; // 1: the canvas border
        await page.mouse.move(box.x + 1 + first * CELL + CELL / 2, y);
        await page.mouse.down();
        await page.mouse.move(box.x + 1 + last * CELL + CELL / 2, y, { steps: 2 });
        await page.mouse.up();
      }
      const state = (await page.evaluate(() => window.__digitDemo)) as DigitDemoState;
      expect(state.error, problems.join('\n')).toBeNull();
      expect(problems).toEqual([]);
      expect(state.prediction, `test digit ${index} (label ${label}), drawn`).toBe(label);
      expect(await page.locator('#prediction').textContent()).toBe(String(label));
      expect(await page.locator('.bar').count()).toBe(10);
      expect(await page.locator('.bar.top').getAttribute('data-digit')).toBe(String(label));
      // The page's numbers are the model's: the same pixels through the same model in Node.
      assertClose(state.probabilities, classify(model, Float32Array.from(state.pixels)), TOLERANCE.accumulation, 'page vs Node probabilities');
      await page.screenshot({ path: SCREENSHOT });
      console.info(`digit demo: test digit ${index} (label ${label}) drawn in ${strokes(test.images[index]).length} strokes, page says ${state.prediction} (${(state.probabilities[label] * 100).toFixed(1)}%); screenshot ${SCREENSHOT}`);
    } finally {
      await page.close();
    }
  });
});
