import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValueError, getBackend } from '@gated/core';
import { measureTrainingMemory } from '@gated/core/testing';
import { recordingIo } from '../shared/test-io';
import { ModelFileError } from '../shared/model-files';
import { UsageError } from '../shared/options';
import { PIXELS, TRAIN_SIZE, loadMnist } from './data';
import { MNIST_SMOKE_ARGS } from './smoke-args';
import { accuracy, classify, loadDigitClassifier, mnistTrainer, predictMnist, reportMnist, trainMnist, type MnistResult } from './main';

// The full run is `npm run example:mnist`.
const SMOKE = MNIST_SMOKE_ARGS;

describe('sequential MNIST, smoke mode', () => {
  const io = recordingIo();
  let run: MnistResult;

  beforeAll(async () => {
    const results = await trainMnist([...SMOKE, '--out', 'model'], io);
    run = (results as MnistResult[])[0];
  }, 120_000);

  it('splits the 10,000 digits 8,000 / 2,000, the same way every time, with every class in both', () => {
    const a = loadMnist();
    const b = loadMnist();
    expect(a.train.labels.length).toBe(TRAIN_SIZE);
    expect(a.test.labels.length).toBe(2000);
    expect(a.test.labels).toEqual(b.test.labels);
    expect(a.test.images[0]).toEqual(b.test.images[0]);
    for (let d = 0; d < 10; d++) expect(a.test.labels.filter((l) => l === d).length).toBeGreaterThan(150);
    expect(a.train.images[0].length).toBe(PIXELS);
  });

  it('the training loss decreases', () => {
    expect(run.history).toHaveLength(3);
    expect(run.history[2].loss).toBeLessThan(run.history[0].loss - 0.05);
    // Above chance (10%) on the 2,000 test digits after 18 small steps.
    expect(run.testAccuracy).toBeGreaterThan(0.2);
    expect(io.out()).toMatch(/gru epoch 3\/3: loss \d\.\d{4} {2}test accuracy/);
  });

  it('writes the model, its config, the curves and the results', () => {
    for (const file of ['model.safetensors', 'config.json', 'loss.svg', 'accuracy.svg', 'results.json']) expect(existsSync(join(io.cwd, 'model', file))).toBe(true);
    expect(JSON.parse(readFileSync(join(io.cwd, 'model', 'config.json'), 'utf8'))).toEqual({ format: 'gated-example/v1', example: 'mnist', cell: 'gru', hiddenSize: 32 });
    expect(readFileSync(join(io.cwd, 'model', 'loss.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<path d="M[\d.,L]+"[\s\S]*<\/svg>\n$/);
  });

  it('predict round-trips the saved model: the same probabilities and test accuracy as the trained one', async () => {
    const { test } = loadMnist();
    const expected = classify(run.model, test.images[11]);
    const predicted = await predictMnist(['--model', 'model', '--test-index', '11'], io);
    expect(predicted?.probabilities).toEqual(expected);
    expect(predicted?.digit).toBe(expected.indexOf(Math.max(...expected)));
    expect(accuracy(loadDigitClassifier(join(io.cwd, 'model')), test)).toBe(run.testAccuracy);
  });

  it('report joins separate runs into one table and one pair of curves', () => {
    const results = reportMnist(['model', 'model', '--out', 'report'], io);
    expect(results?.map((r) => r.testAccuracy)).toEqual([run.testAccuracy, run.testAccuracy]);
    expect(existsSync(join(io.cwd, 'report', 'compare-accuracy.svg'))).toBe(true);
    expect(io.out()).toContain(`| GRU | ${run.parameters.toLocaleString('en-US')} | ${(run.testAccuracy * 100).toFixed(2)}% |`);
    expect(() => reportMnist(['nowhere'], io)).toThrow('no results.json in nowhere: run npm run example:mnist -- --out nowhere first');
  });

  it('predict reads a JSON or PGM image file', async () => {
    const { test } = loadMnist();
    const pixels = test.images[3];
    writeFileSync(join(io.cwd, 'digit.json'), JSON.stringify(Array.from(pixels)));
    // Quantised to 8 bits, as an image file is.
    const bytes = Uint8Array.from(pixels, (v) => Math.round(v * 255));
    writeFileSync(join(io.cwd, 'digit.pgm'), Buffer.concat([Buffer.from('P5\n# a test digit\n28 28\n255\n'), Buffer.from(bytes)]));
    const fromJson = await predictMnist(['--model', 'model', 'digit.json'], io);
    const fromPgm = await predictMnist(['--model', 'model', 'digit.pgm'], io);
    expect(fromJson?.probabilities).toEqual(classify(run.model, pixels));
    expect(fromPgm?.probabilities).toEqual(classify(run.model, Float32Array.from(bytes, (v) => v / 255)));
  });

  it('is deterministic for a seed on the CPU backend, and another seed gives another model', async () => {
    const again = recordingIo();
    const [second] = (await trainMnist([...SMOKE, '--out', 'model'], again)) as MnistResult[];
    expect(second.history.map((h) => h.loss)).toEqual(run.history.map((h) => h.loss));
    expect(readFileSync(join(again.cwd, 'model', 'model.safetensors'))).toEqual(readFileSync(join(io.cwd, 'model', 'model.safetensors')));
    const other = recordingIo();
    const [third] = (await trainMnist([...SMOKE.slice(0, -1), '8', '--out', 'model'], other)) as MnistResult[];
    expect(third.history[0].loss).not.toBe(run.history[0].loss);
    expect(readFileSync(join(other.cwd, 'model', 'model.safetensors'))).not.toEqual(readFileSync(join(io.cwd, 'model', 'model.safetensors')));
  }, 120_000);

  it("the example's training step, run in a plain synchronous loop, keeps memory flat", async () => {
    const MiB = 1024 * 1024;
    const { train } = loadMnist();
    const trainer = mnistTrainer({ cell: 'gru', hiddenSize: 32 }, train, { seed: 1, lr: 1e-3, shift: 2, totalSteps: 1000 });
    const batch = Array.from({ length: 32 }, (_, i) => i);
    const report = await measureTrainingMemory(getBackend(), () => void trainer.step(batch), 150, { warmupSteps: 10 });
    expect(report.arrayBufferGrowth, 'typed-array bytes kept by the loop').toBeLessThan(8 * MiB);
    expect(report.afterSteps.liveStorages, 'live storages once finalizers ran').toBeLessThanOrEqual(report.baseline.liveStorages);
    console.info(`MNIST step, 150 synchronous steps: typed arrays +${(report.arrayBufferGrowth / MiB).toFixed(2)} MiB, live storages ${report.baseline.liveStorages} → ${report.afterSteps.liveStorages}`);
  }, 120_000);

  describe('predict refuses bad input with a clear error', () => {
    it('a missing model folder', async () => {
      await expect(predictMnist(['--model', 'nowhere', '--test-index', '0'], io)).rejects.toThrow(/^no model folder at .*nowhere: train one with npm run example:mnist$/);
    });

    it('a config of another example, an unknown format, a bad field', async () => {
      const dir = join(io.cwd, 'broken');
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(io.cwd, 'model', 'model.safetensors'), join(dir, 'model.safetensors'));
      const config = (patch: object) => writeFileSync(join(dir, 'config.json'), JSON.stringify({ format: 'gated-example/v1', example: 'mnist', cell: 'gru', hiddenSize: 32, ...patch }));
      config({ example: 'spam' });
      await expect(predictMnist(['--model', 'broken', '--test-index', '0'], io)).rejects.toThrow(/config\.json is a config of the 'spam' example, not 'mnist'$/);
      config({ format: 'v0' });
      await expect(predictMnist(['--model', 'broken', '--test-index', '0'], io)).rejects.toThrow(/format must be 'gated-example\/v1', got "v0"$/);
      config({ cell: 'rnn' });
      await expect(predictMnist(['--model', 'broken', '--test-index', '0'], io)).rejects.toThrow('model config: cell must be one of gru, lstm, got "rnn"');
      config({ hiddenSize: '32' });
      await expect(predictMnist(['--model', 'broken', '--test-index', '0'], io)).rejects.toThrow('model config: hiddenSize must be an integer in [1, 4096], got "32"');
      writeFileSync(join(dir, 'config.json'), '{ not json');
      await expect(predictMnist(['--model', 'broken', '--test-index', '0'], io)).rejects.toThrow(/config\.json is not valid JSON/);
    });

    it('weights that do not fit the config (wrong hidden size, another cell)', async () => {
      const dir = join(io.cwd, 'mismatch');
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(io.cwd, 'model', 'model.safetensors'), join(dir, 'model.safetensors'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ format: 'gated-example/v1', example: 'mnist', cell: 'gru', hiddenSize: 48 }));
      const error = await predictMnist(['--model', 'mismatch', '--test-index', '0'], io).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFileError);
      expect((error as Error).message).toMatch(/model\.safetensors does not fit the model its config describes: .*weight_hh_l0/);
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ format: 'gated-example/v1', example: 'mnist', cell: 'lstm', hiddenSize: 32 }));
      await expect(predictMnist(['--model', 'mismatch', '--test-index', '0'], io)).rejects.toThrow(/does not fit the model its config describes/);
      writeFileSync(join(dir, 'model.safetensors'), 'not safetensors');
      await expect(predictMnist(['--model', 'mismatch', '--test-index', '0'], io)).rejects.toThrow(/model\.safetensors is not a readable safetensors file/);
    });

    it('an image of the wrong size or range, or no image at all', async () => {
      writeFileSync(join(io.cwd, 'small.json'), JSON.stringify(new Array(100).fill(0)));
      await expect(predictMnist(['--model', 'model', 'small.json'], io)).rejects.toThrow('small.json: expected 784 pixels (28×28), got 100');
      writeFileSync(join(io.cwd, 'bright.json'), JSON.stringify(new Array(784).fill(255)));
      await expect(predictMnist(['--model', 'model', 'bright.json'], io)).rejects.toThrow('pixels must lie in [0, 1]');
      writeFileSync(join(io.cwd, 'small.pgm'), 'P2\n10 10\n255\n' + '0 '.repeat(100));
      await expect(predictMnist(['--model', 'model', 'small.pgm'], io)).rejects.toThrow('small.pgm: expected a 28×28 image, got 10×10');
      await expect(predictMnist(['--model', 'model', 'absent.json'], io)).rejects.toThrow(/^no image file at .*absent\.json$/);
      const usage = await predictMnist(['--model', 'model'], io).catch((e: unknown) => e);
      expect(usage).toBeInstanceOf(UsageError);
      expect(usage).toBeInstanceOf(ValueError);
      expect((usage as Error).message).toBe('predict needs one image file or --test-index <n> (not both)');
      await expect(predictMnist(['--test-index', '2000'], io)).rejects.toThrow('--test-index must be an integer ≤ 1999, got 2000');
    });
  });
});
