import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, CosineAnnealingLR, Generator, clipGradNorm, crossEntropy, noGrad, tensor } from '@gated/core';
import { useBackend } from '../shared/backend';
import { commonOptions } from '../shared/common-options';
import { ModelFileError, choiceField, integerField, loadWeights, readConfig, saveModel } from '../shared/model-files';
import { UsageError, helpText, parseArgs, type OptionSpec } from '../shared/options';
import { lineChart } from '../shared/svg';
import { trainEpochs, type EpochRecord, type ExampleIo } from '../shared/train-loop';
import { IMAGE_SIZE, PIXELS, loadMnist, stackImages, stackShiftedImages, type DigitSet } from './data';
import { DigitClassifier, type DigitClassifierConfig } from './model';

const DEFAULT_OUT = 'out/mnist';

/** The training command's options. */
export const MNIST_OPTIONS: Record<string, OptionSpec> = {
  ...commonOptions({ epochs: 12, hidden: 128, out: DEFAULT_OUT }),
  compare: { kind: 'boolean', help: 'train a GRU and an LSTM of the same size and compare them' },
  lr: { kind: 'number', min: 0, max: 1, help: 'peak learning rate of Adam, annealed to 0 along a cosine (default 0.003)' },
  'batch-size': { kind: 'integer', min: 1, max: 8000, help: 'digits per batch (default 64)' },
  shift: { kind: 'integer', min: 0, max: 8, help: 'move each training digit by up to this many pixels, at random (default 2; 0: off)' },
};

/** The `predict` command's options. */
export const MNIST_PREDICT_OPTIONS: Record<string, OptionSpec> = {
  model: { kind: 'string', help: `folder of a trained model (default ${DEFAULT_OUT})` },
  'test-index': { kind: 'integer', min: 0, max: 1999, help: 'classify this digit of the test split instead of a file' },
  backend: commonOptions({ epochs: 0, hidden: 0, out: '' }).backend,
  help: { kind: 'boolean', help: 'print this help' },
};

const USAGE =
  'usage: npm run example:mnist -- [options]\n       npm run example:mnist -- predict [--model <dir>] (<image.json|image.pgm> | --test-index <n>)\n' +
  '       npm run example:mnist -- report <run dir> <run dir> [--out <dir>]   (one table and curves from separate runs)';

/** Final figures of one trained model. */
export interface MnistResult {
  readonly cell: 'gru' | 'lstm';
  readonly parameters: number;
  readonly testAccuracy: number;
  readonly secondsPerEpoch: number;
  readonly history: EpochRecord[];
  readonly modelDir: string;
  /** The trained model (left out of results.json). */
  readonly model: DigitClassifier;
}

/** Test accuracy of `model` on `set` (evaluation mode, no graph). */
export function accuracy(model: DigitClassifier, set: DigitSet): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (let start = 0; start < set.labels.length; start += 500) {
      const indices = Array.from({ length: Math.min(500, set.labels.length - start) }, (_, i) => start + i);
      const logits = model.forward(tensor(stackImages(set.images, indices), [indices.length, IMAGE_SIZE, IMAGE_SIZE]));
      const values = logits.dataSync();
      indices.forEach((index, row) => {
        const scores = values.subarray(row * 10, row * 10 + 10);
        if (scores.indexOf(Math.max(...scores)) === set.labels[index]) correct += 1;
      });
      logits.dispose();
    }
  });
  model.train();
  return correct / set.labels.length;
}

/** A digit classifier with its optimiser and the training step the example runs on each batch. */
export interface MnistTrainer {
  readonly model: DigitClassifier;
  /** One Adam step on the training digits `indices`; returns the batch's mean loss. */
  step(indices: readonly number[]): number;
}

/** Builds the model, Adam, the cosine schedule over `epochs · batchesPerEpoch` steps, and the step. */
export function mnistTrainer(
  config: DigitClassifierConfig,
  train: DigitSet,
  options: { seed: number; lr: number; shift: number; totalSteps: number; generator?: Generator },
): MnistTrainer {
  const generator = options.generator ?? new Generator(options.seed);
  const model = new DigitClassifier(config, generator);
  const optimizer = new Adam(model.parameters(), { lr: options.lr });
  // Annealing per batch (tMax counts steps here) ends the run at a small learning rate, which steadies the last epochs.
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: options.totalSteps });
  return {
    model,
    step(indices) {
      const pixels = options.shift > 0 ? stackShiftedImages(train.images, indices, options.shift, generator) : stackImages(train.images, indices);
      const images = tensor(pixels, [indices.length, IMAGE_SIZE, IMAGE_SIZE]);
      const loss = crossEntropy(model.forward(images), Int32Array.from(indices, (i) => train.labels[i]));
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm(model, 1.0);
      optimizer.step();
      scheduler.step();
      return loss.item();
    },
  };
}

async function trainOne(
  config: DigitClassifierConfig,
  data: { train: DigitSet; test: DigitSet },
  options: { epochs: number; seed: number; lr: number; batchSize: number; shift: number; maxBatches?: number; modelDir: string },
  io: ExampleIo,
): Promise<MnistResult> {
  const generator = new Generator(options.seed);
  const batchesPerEpoch = Math.min(Math.ceil(data.train.labels.length / options.batchSize), options.maxBatches ?? Infinity);
  const { model, step } = mnistTrainer(config, data.train, { ...options, totalSteps: options.epochs * batchesPerEpoch, generator });
  const history = await trainEpochs({
    io,
    label: config.cell,
    epochs: options.epochs,
    trainSize: data.train.labels.length,
    batchSize: options.batchSize,
    maxBatches: options.maxBatches,
    generator,
    step,
    evaluate: () => ({ 'test accuracy': accuracy(model, data.test) }),
  });
  saveModel(options.modelDir, 'mnist', model, config);
  const final = history[history.length - 1];
  return {
    cell: config.cell,
    parameters: model.numParameters(),
    testAccuracy: final.metrics['test accuracy'],
    secondsPerEpoch: history.reduce((s, r) => s + r.seconds, 0) / history.length,
    history,
    modelDir: options.modelDir,
    model,
  };
}

/** The results table (markdown) of one or more trained models. */
export function resultsTable(results: readonly MnistResult[]): string {
  const rows = results.map((r) => `| ${r.cell.toUpperCase()} | ${r.parameters.toLocaleString('en-US')} | ${(r.testAccuracy * 100).toFixed(2)}% | ${r.secondsPerEpoch.toFixed(1)} |`);
  return ['| cell | parameters | test accuracy | seconds / epoch |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n';
}

function curves(results: readonly MnistResult[]): { loss: string; accuracy: string } {
  const colors = { gru: '#1f77b4', lstm: '#d62728' };
  const epochs = (r: MnistResult) => r.history.map((h) => h.epoch);
  return {
    loss: lineChart({
      title: 'Sequential MNIST: training loss',
      xLabel: 'epoch',
      yLabel: 'mean cross-entropy',
      series: results.map((r) => ({ name: r.cell.toUpperCase(), x: epochs(r), y: r.history.map((h) => h.loss), color: colors[r.cell] })),
    }),
    accuracy: lineChart({
      title: 'Sequential MNIST: test accuracy (2,000 digits)',
      legend: 'left',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: results.map((r) => ({ name: r.cell.toUpperCase(), x: epochs(r), y: r.history.map((h) => h.metrics['test accuracy']), color: colors[r.cell] })),
    }),
  };
}

/** `npm run example:mnist -- [options]`: trains, evaluates, saves. Returns the results (tests read them). */
export async function trainMnist(argv: readonly string[], io: ExampleIo): Promise<MnistResult[] | null> {
  const { values, positionals } = parseArgs(argv, MNIST_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, MNIST_OPTIONS));
    return null;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (the commands are: train (default), predict)`);
  if (values.compare === true && values.cell !== undefined) throw new UsageError('--compare trains both cells; leave out --cell');
  const backend = await useBackend((values.backend as string | undefined) ?? 'cpu');
  io.stdout.write(`backend: ${backend.name}\n`);
  const out = resolve(io.cwd, (values.out as string | undefined) ?? DEFAULT_OUT);
  const cells: ('gru' | 'lstm')[] = values.compare === true ? ['gru', 'lstm'] : [((values.cell as 'gru' | 'lstm' | undefined) ?? 'gru')];
  const data = loadMnist();
  const results: MnistResult[] = [];
  for (const cell of cells) {
    results.push(
      await trainOne(
        { cell, hiddenSize: (values.hidden as number | undefined) ?? 128 },
        data,
        {
          epochs: (values.epochs as number | undefined) ?? 12,
          seed: (values.seed as number | undefined) ?? 0,
          lr: (values.lr as number | undefined) ?? 3e-3,
          batchSize: (values['batch-size'] as number | undefined) ?? 64,
          shift: (values.shift as number | undefined) ?? 2,
          maxBatches: values['max-batches'] as number | undefined,
          modelDir: cells.length > 1 ? join(out, cell) : out,
        },
        io,
      ),
    );
  }
  mkdirSync(out, { recursive: true });
  const pictures = curves(results);
  writeFileSync(join(out, 'loss.svg'), pictures.loss);
  writeFileSync(join(out, 'accuracy.svg'), pictures.accuracy);
  writeFileSync(join(out, 'results.json'), JSON.stringify({ argv, results: results.map(({ model: _model, ...figures }) => figures) }, null, 2) + '\n');
  io.stdout.write(`\n${resultsTable(results)}\nSaved to ${out}: model.safetensors + config.json${cells.length > 1 ? ' (one folder per cell)' : ''}, loss.svg, accuracy.svg, results.json\n`);
  return results;
}

/** Reads a digit from a file: JSON (784 numbers or 28 rows of 28, in [0, 1]) or a PGM image (P2 or P5, 28×28). */
export function readDigit(path: string): Float32Array {
  if (!existsSync(path)) throw new UsageError(`no image file at ${path}`);
  const bytes = readFileSync(path);
  const magic = bytes.subarray(0, 2).toString('latin1');
  if (magic === 'P2' || magic === 'P5') return readPgm(path, bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UsageError(`${path}: expected a JSON array of 784 numbers or a PGM image (P2/P5), got neither`);
  }
  const flat = Array.isArray(parsed) ? (parsed as unknown[]).flat() : null;
  if (flat === null || !flat.every((v) => typeof v === 'number' && Number.isFinite(v))) throw new UsageError(`${path}: expected a JSON array of numbers`);
  if (flat.length !== PIXELS) throw new UsageError(`${path}: expected ${PIXELS} pixels (28×28), got ${flat.length}`);
  const values = flat as number[];
  if (values.some((v) => v < 0 || v > 1)) throw new UsageError(`${path}: pixels must lie in [0, 1] (0 = background)`);
  return Float32Array.from(values);
}

function readPgm(path: string, bytes: Buffer): Float32Array {
  const binary = bytes.subarray(0, 2).toString('latin1') === 'P5';
  // Header: magic, width, height, maxval, separated by whitespace (comments start with #).
  const header: number[] = [];
  let offset = 2;
  while (header.length < 3 && offset < bytes.length) {
    const rest = bytes.subarray(offset).toString('latin1');
    const match = /^(\s|#[^\n]*\n)*(\d+)/.exec(rest);
    if (match === null) throw new UsageError(`${path}: a malformed PGM header`);
    header.push(Number(match[2]));
    offset += match[0].length;
  }
  const [width, height, maxValue] = header;
  if (width !== IMAGE_SIZE || height !== IMAGE_SIZE) throw new UsageError(`${path}: expected a 28×28 image, got ${width}×${height}`);
  if (!(maxValue > 0 && maxValue < 256)) throw new UsageError(`${path}: expected an 8-bit PGM (maxval ≤ 255), got maxval ${maxValue}`);
  const pixels = binary
    ? Array.from(bytes.subarray(offset + 1, offset + 1 + PIXELS))
    : bytes.subarray(offset).toString('latin1').trim().split(/\s+/).filter((s) => s !== '').map(Number);
  if (pixels.length !== PIXELS) throw new UsageError(`${path}: expected ${PIXELS} pixels, got ${pixels.length}`);
  return Float32Array.from(pixels, (v) => v / maxValue);
}

/** Loads a saved digit classifier (config checked first, then the weights, strictly). */
export function loadDigitClassifier(dir: string): DigitClassifier {
  if (!existsSync(dir)) throw new ModelFileError(`no model folder at ${dir}: train one with npm run example:mnist`);
  const config = readConfig(dir, 'mnist');
  const model = new DigitClassifier({ cell: choiceField(config, 'cell', ['gru', 'lstm'] as const), hiddenSize: integerField(config, 'hiddenSize', 1, 4096) });
  loadWeights(dir, model);
  return model.eval();
}

/** Class probabilities of one digit. */
export function classify(model: DigitClassifier, pixels: Float32Array): number[] {
  return noGrad(() => Array.from(model.probabilities(tensor(pixels, [1, IMAGE_SIZE, IMAGE_SIZE])).dataSync()));
}

/** `npm run example:mnist -- predict ...`: prints the predicted digit and the probabilities. Returns them. */
export async function predictMnist(argv: readonly string[], io: ExampleIo): Promise<{ digit: number; probabilities: number[] } | null> {
  const { values, positionals } = parseArgs(argv, MNIST_PREDICT_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, MNIST_PREDICT_OPTIONS));
    return null;
  }
  const testIndex = values['test-index'] as number | undefined;
  if ((testIndex === undefined) === (positionals.length !== 1)) {
    throw new UsageError(positionals.length > 1 ? `predict takes one image file, got ${positionals.length}` : 'predict needs one image file or --test-index <n> (not both)');
  }
  await useBackend((values.backend as string | undefined) ?? 'cpu');
  const model = loadDigitClassifier(resolve(io.cwd, (values.model as string | undefined) ?? DEFAULT_OUT));
  let pixels: Float32Array;
  let source: string;
  if (testIndex !== undefined) {
    const { test } = loadMnist();
    pixels = test.images[testIndex];
    source = `test digit ${testIndex} (label ${test.labels[testIndex]})`;
  } else {
    pixels = readDigit(resolve(io.cwd, positionals[0]));
    source = positionals[0];
  }
  const probabilities = classify(model, pixels);
  const digit = probabilities.indexOf(Math.max(...probabilities));
  io.stdout.write(`${source}: ${digit}\n`);
  probabilities.forEach((p, d) => io.stdout.write(`  ${d} ${'█'.repeat(Math.round(p * 40)).padEnd(40)} ${(p * 100).toFixed(1)}%\n`));
  return { digit, probabilities };
}

/** The `report` command's options. */
export const MNIST_REPORT_OPTIONS: Record<string, OptionSpec> = {
  out: { kind: 'string', help: 'folder for the table and curves (default: the first run folder)' },
  help: { kind: 'boolean', help: 'print this help' },
};

/**
 * `npm run example:mnist -- report <dir> <dir> ...`: one table and one pair of curves from runs made
 * separately (e.g. `--cell gru` and `--cell lstm` in parallel), read from their `results.json`.
 */
export function reportMnist(argv: readonly string[], io: ExampleIo): MnistResult[] | null {
  const { values, positionals } = parseArgs(argv, MNIST_REPORT_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, MNIST_REPORT_OPTIONS));
    return null;
  }
  if (positionals.length === 0) throw new UsageError('report needs one or more run folders (each with a results.json)');
  const results = positionals.flatMap((dir) => {
    const path = join(resolve(io.cwd, dir), 'results.json');
    if (!existsSync(path)) throw new UsageError(`no results.json in ${dir}: run npm run example:mnist -- --out ${dir} first`);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { results?: MnistResult[] };
    if (!Array.isArray(parsed.results)) throw new UsageError(`${path} is not a results.json of the MNIST example`);
    return parsed.results;
  });
  const out = resolve(io.cwd, (values.out as string | undefined) ?? positionals[0]);
  mkdirSync(out, { recursive: true });
  const pictures = curves(results);
  writeFileSync(join(out, 'compare-loss.svg'), pictures.loss);
  writeFileSync(join(out, 'compare-accuracy.svg'), pictures.accuracy);
  io.stdout.write(`${resultsTable(results)}\nSaved to ${out}: compare-loss.svg, compare-accuracy.svg\n`);
  return results;
}
