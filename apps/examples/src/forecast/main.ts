import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, Generator, clipGradNorm, mseLoss, noGrad, tensor } from '@gated/core';
import { useBackend } from '../shared/backend';
import { commonOptions } from '../shared/common-options';
import { ModelFileError, choiceField, integerField, loadWeights, numberField, readConfig, saveModel } from '../shared/model-files';
import { UsageError, helpText, parseArgs, type OptionSpec } from '../shared/options';
import { lineChart } from '../shared/svg';
import { trainEpochs, type EpochRecord, type ExampleIo } from '../shared/train-loop';
import { decimalYear, loadCo2, parseCo2Csv } from './data';
import { Forecaster, type ForecasterConfig } from './model';

const DEFAULT_OUT = 'out/forecast';

/** Months ahead of the evaluation: each test month is forecast from the data up to 12 months before it. */
export const HORIZON = 12;

/** The training command's options. */
export const FORECAST_OPTIONS: Record<string, OptionSpec> = {
  ...commonOptions({ epochs: 60, hidden: 32, out: DEFAULT_OUT }),
  lr: { kind: 'number', min: 0, max: 1, help: 'learning rate of Adam (default 0.003)' },
  'batch-size': { kind: 'integer', min: 1, max: 4096, help: 'windows per batch (default 32)' },
  window: { kind: 'integer', min: 2, max: 240, help: 'months of history the model reads (default 24)' },
  'cutoff-year': { kind: 'integer', min: 1965, max: 2019, help: 'train on the years up to and including this one, test on the rest (default 2009)' },
};

/** The `predict` command's options. */
export const FORECAST_PREDICT_OPTIONS: Record<string, OptionSpec> = {
  model: { kind: 'string', help: `folder of a trained model (default ${DEFAULT_OUT})` },
  file: { kind: 'string', help: 'monthly values: numbers separated by commas, spaces or lines, or a Date,CO2 CSV' },
  steps: { kind: 'integer', min: 1, max: 1200, help: 'months to forecast (default 12)' },
  backend: commonOptions({ epochs: 0, hidden: 0, out: '' }).backend,
  help: { kind: 'boolean', help: 'print this help' },
};

const USAGE = 'usage: npm run example:forecast -- [options]\n       npm run example:forecast -- predict [--model <dir>] [--steps <n>] (--file <values> | <v1,v2,...>)';

/** Root-mean-square error. */
export function rmse(predicted: readonly number[], actual: readonly number[]): number {
  return Math.sqrt(predicted.reduce((s, p, i) => s + (p - actual[i]) ** 2, 0) / predicted.length);
}

/** Forecasts `steps` months after the end of each history (each needs `window + 1` values), feeding predictions back in. */
export function forecastAhead(model: Forecaster, histories: readonly (readonly number[])[], steps: number): number[][] {
  const { window, mean, std } = model.config;
  model.eval();
  const changes = histories.map((h) => {
    if (h.length < window + 1) throw new UsageError(`a forecast needs at least ${window + 1} monthly values (the model reads ${window} changes), got ${h.length}`);
    const tail = h.slice(h.length - window - 1);
    return tail.slice(1).map((v, i) => (v - tail[i] - mean) / std);
  });
  const levels = histories.map((h) => h[h.length - 1]);
  const out = histories.map(() => [] as number[]);
  noGrad(() => {
    for (let step = 0; step < steps; step++) {
      const next = model.forward(tensor(changes.flat(), [histories.length, window, 1])).dataSync();
      changes.forEach((c, b) => {
        c.shift();
        c.push(next[b]);
        levels[b] += next[b] * std + mean;
        out[b].push(levels[b]);
      });
    }
  });
  model.train();
  return out;
}

/** What a forecast run produced. */
export interface ForecastResult {
  readonly config: ForecasterConfig;
  readonly parameters: number;
  /** RMSE (ppm) over the test months, each forecast 12 months ahead. */
  readonly rmse: number;
  /** RMSE of the seasonal-naive forecast (the value 12 months before) over the same months. */
  readonly seasonalNaiveRmse: number;
  /**
   * RMSE of seasonal naive plus drift: the value 12 months before plus 12 training-mean monthly
   * changes. At a 12-month horizon this is what a model that predicts a constant change achieves.
   */
  readonly seasonalDriftRmse: number;
  /** RMSE of one forecast from the cut-off over the whole test period, without later data. */
  readonly fromCutoffRmse: number;
  readonly history: EpochRecord[];
  readonly secondsPerEpoch: number;
  readonly testMonths: number;
  /** The trained model (left out of results.json). */
  readonly model: Forecaster;
}

/** `npm run example:forecast -- [options]`. */
export async function trainForecast(argv: readonly string[], io: ExampleIo): Promise<ForecastResult | null> {
  const { values, positionals } = parseArgs(argv, FORECAST_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, FORECAST_OPTIONS));
    return null;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (the commands are: train (default), predict)`);
  const backend = await useBackend((values.backend as string | undefined) ?? 'cpu');
  io.stdout.write(`backend: ${backend.name}\n`);
  const out = resolve(io.cwd, (values.out as string | undefined) ?? DEFAULT_OUT);
  const window = (values.window as number | undefined) ?? 24;
  const cutoffYear = (values['cutoff-year'] as number | undefined) ?? 2009;
  const series = loadCo2();
  const y = series.values;
  // Index of the first test month (January after the cut-off year).
  const cut = (cutoffYear + 1) * 12 - series.start;
  if (cut - window - 1 < 16) throw new UsageError(`--cutoff-year ${cutoffYear} leaves too few training months for --window ${window}`);

  const trainChanges = y.slice(1, cut).map((v, i) => v - y[i]);
  const mean = trainChanges.reduce((s, v) => s + v, 0) / trainChanges.length;
  const std = Math.sqrt(trainChanges.reduce((s, v) => s + (v - mean) ** 2, 0) / trainChanges.length);
  const scaled = trainChanges.map((v) => (v - mean) / std);
  // Sample j: the changes scaled[j .. j+window) predict scaled[j+window].
  const samples = scaled.length - window;

  const config: ForecasterConfig = { cell: (values.cell as 'gru' | 'lstm' | undefined) ?? 'gru', hiddenSize: (values.hidden as number | undefined) ?? 32, window, mean, std };
  const generator = new Generator((values.seed as number | undefined) ?? 0);
  const model = new Forecaster(config, generator);
  const optimizer = new Adam(model.parameters(), { lr: (values.lr as number | undefined) ?? 3e-3 });
  const testMonths = Array.from({ length: y.length - cut }, (_, i) => cut + i);
  const actual = testMonths.map((t) => y[t]);
  const seasonalNaive = testMonths.map((t) => y[t - HORIZON]);
  const seasonalDrift = seasonalNaive.map((v) => v + HORIZON * mean);
  const twelveAhead = () => forecastAhead(model, testMonths.map((t) => y.slice(0, t - HORIZON + 1)), HORIZON).map((f) => f[HORIZON - 1]);
  const history = await trainEpochs({
    io,
    label: `forecast ${config.cell}`,
    epochs: (values.epochs as number | undefined) ?? 60,
    trainSize: samples,
    batchSize: (values['batch-size'] as number | undefined) ?? 32,
    maxBatches: values['max-batches'] as number | undefined,
    generator,
    step: (indices) => {
      const inputs = tensor(indices.flatMap((j) => scaled.slice(j, j + window)), [indices.length, window, 1]);
      const loss = mseLoss(model.forward(inputs), tensor(indices.map((j) => scaled[j + window])));
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm(model, 1.0);
      optimizer.step();
      return loss.item();
    },
    evaluate: () => ({ 'test RMSE': rmse(twelveAhead(), actual) }),
  });
  saveModel(out, 'forecast', model, config);

  const predicted = twelveAhead();
  const fromCutoff = forecastAhead(model, [y.slice(0, cut)], testMonths.length)[0];
  const result: ForecastResult = {
    config,
    parameters: model.numParameters(),
    rmse: rmse(predicted, actual),
    seasonalNaiveRmse: rmse(seasonalNaive, actual),
    seasonalDriftRmse: rmse(seasonalDrift, actual),
    fromCutoffRmse: rmse(fromCutoff, actual),
    history,
    secondsPerEpoch: history.reduce((s, h) => s + h.seconds, 0) / history.length,
    testMonths: testMonths.length,
    model,
  };
  mkdirSync(out, { recursive: true });
  const shownFrom = cut - 8 * 12;
  const years = (months: readonly number[]) => months.map((t) => decimalYear(series.start + t));
  const shown = Array.from({ length: y.length - shownFrom }, (_, i) => shownFrom + i);
  writeFileSync(
    join(out, 'forecast.svg'),
    lineChart({
      title: `Mauna Loa CO₂: forecasts after ${cutoffYear}`,
      xLabel: 'year',
      yLabel: 'CO₂ (ppm)',
      width: 800,
      height: 420,
      marker: { x: decimalYear(series.start + cut), label: 'cut-off' },
      legend: 'left',
      series: [
        { name: 'measured', x: years(shown), y: shown.map((t) => y[t]), color: '#222' },
        { name: `${config.cell.toUpperCase()}, 12 months ahead`, x: years(testMonths), y: predicted, color: '#1f77b4' },
        { name: 'seasonal naive', x: years(testMonths), y: seasonalNaive, color: '#ff7f0e', dashed: true },
        { name: `${config.cell.toUpperCase()} from the cut-off`, x: years(testMonths), y: fromCutoff, color: '#2ca02c', dashed: true },
      ],
    }),
  );
  const epochsX = history.map((h) => h.epoch);
  writeFileSync(join(out, 'loss.svg'), lineChart({ title: 'CO₂ forecaster: training loss', xLabel: 'epoch', yLabel: 'MSE (standardised changes)', series: [{ name: config.cell.toUpperCase(), x: epochsX, y: history.map((h) => h.loss), color: '#1f77b4' }] }));
  writeFileSync(
    join(out, 'rmse.svg'),
    lineChart({
      title: 'CO₂ forecaster: test RMSE, 12 months ahead',
      xLabel: 'epoch',
      yLabel: 'RMSE (ppm)',
      series: [
        { name: config.cell.toUpperCase(), x: epochsX, y: history.map((h) => h.metrics['test RMSE']), color: '#1f77b4' },
        { name: 'seasonal naive', x: epochsX, y: epochsX.map(() => result.seasonalNaiveRmse), color: '#ff7f0e', dashed: true },
        { name: 'seasonal naive + drift', x: epochsX, y: epochsX.map(() => result.seasonalDriftRmse), color: '#9467bd', dashed: true },
      ],
    }),
  );
  writeFileSync(join(out, 'results.json'), JSON.stringify({ argv, cutoffYear, filledMonths: series.filled, ...result, model: undefined }, null, 2) + '\n');
  io.stdout.write(
    `\nTest months ${testMonths.length} (${cutoffYear + 1} on), each forecast ${HORIZON} months ahead:\n` +
      `| forecast | RMSE (ppm) |\n| --- | --- |\n| ${config.cell.toUpperCase()} | ${result.rmse.toFixed(3)} |\n| seasonal naive (same month a year before) | ${result.seasonalNaiveRmse.toFixed(3)} |\n` +
      `| seasonal naive + drift (plus 12 training-mean monthly changes) | ${result.seasonalDriftRmse.toFixed(3)} |\n` +
      `| ${config.cell.toUpperCase()} from the cut-off, whole period | ${result.fromCutoffRmse.toFixed(3)} |\n` +
      `\nSaved to ${out}: model.safetensors, config.json, forecast.svg, loss.svg, rmse.svg, results.json\n`,
  );
  return result;
}

/** Loads a saved forecaster. */
export function loadForecaster(dir: string): Forecaster {
  if (!existsSync(dir)) throw new ModelFileError(`no model folder at ${dir}: train one with npm run example:forecast`);
  const raw = readConfig(dir, 'forecast');
  const std = numberField(raw, 'std');
  if (!(std > 0)) throw new ModelFileError(`model config: std must be > 0, got ${std}`);
  const model = new Forecaster({
    cell: choiceField(raw, 'cell', ['gru', 'lstm'] as const),
    hiddenSize: integerField(raw, 'hiddenSize', 1, 4096),
    window: integerField(raw, 'window', 2, 240),
    mean: numberField(raw, 'mean'),
    std,
  });
  loadWeights(dir, model);
  return model;
}

/** Parses monthly values: a `Date,CO2` CSV, or numbers separated by commas, spaces or new lines. */
export function parseValues(text: string, source: string): number[] {
  if (/^\s*date\s*,/i.test(text)) return [...parseCo2Csv(text).values];
  const parts = text.split(/[\s,]+/).filter((s) => s !== '');
  const numbers = parts.map(Number);
  const bad = parts.findIndex((s, i) => !Number.isFinite(numbers[i]));
  if (bad !== -1) throw new UsageError(`${source}: value ${bad + 1} is not a number: '${parts[bad]}'`);
  return numbers;
}

/** `npm run example:forecast -- predict ...`: the next months after the given values. */
export async function predictForecast(argv: readonly string[], io: ExampleIo): Promise<number[] | null> {
  const { values, positionals } = parseArgs(argv, FORECAST_PREDICT_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, FORECAST_PREDICT_OPTIONS));
    return null;
  }
  const file = values.file as string | undefined;
  if ((file === undefined) === (positionals.length === 0)) throw new UsageError('predict needs monthly values as arguments or --file <path> (not both)');
  let history: number[];
  if (file !== undefined) {
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) throw new UsageError(`no file at ${path}`);
    history = parseValues(readFileSync(path, 'utf8'), file);
  } else history = parseValues(positionals.join(' '), 'the command line');
  await useBackend((values.backend as string | undefined) ?? 'cpu');
  const model = loadForecaster(resolve(io.cwd, (values.model as string | undefined) ?? DEFAULT_OUT));
  const forecast = forecastAhead(model, [history], (values.steps as number | undefined) ?? 12)[0];
  io.stdout.write(`${forecast.map((v) => v.toFixed(2)).join(', ')}\n`);
  return forecast;
}
