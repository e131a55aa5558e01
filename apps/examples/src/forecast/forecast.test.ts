import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordingIo } from '../shared/test-io';
import { loadCo2, parseCo2Csv } from './data';
import { forecastAhead, predictForecast, rmse, trainForecast, type ForecastResult } from './main';

// A smoke run: 4 epochs of 6 batches of 16 windows, a small GRU.
const SMOKE = ['--epochs', '4', '--max-batches', '6', '--batch-size', '16', '--hidden', '8', '--lr', '0.01', '--seed', '5'];

describe('the CO2 forecaster, smoke mode', () => {
  const io = recordingIo();
  let run: ForecastResult;

  beforeAll(async () => {
    run = (await trainForecast([...SMOKE, '--out', 'model'], io)) as ForecastResult;
  }, 120_000);

  it('reads the Mauna Loa series as a regular monthly series, filling the missing months', () => {
    const series = loadCo2();
    expect(series.start).toBe(1958 * 12 + 2); // March 1958
    expect(series.values[0]).toBeCloseTo(315.7, 5);
    // 1958-03 to 2020-04 is 746 months; the file has 741 rows.
    expect(series.values.length).toBe(746);
    expect(series.filled).toBe(5);
    const gap = parseCo2Csv('Date,CO2\n2000-01-01,10\n2000-04-01,13\n');
    expect(gap.values).toEqual([10, 11, 12, 13]);
  });

  it('the training loss decreases, and the test figures are on the 124 months from 2010', () => {
    expect(run.history[3].loss).toBeLessThan(run.history[0].loss - 0.05);
    expect(run.testMonths).toBe(124);
    // The seasonal-naive RMSE is a property of the data alone (about one year of growth).
    expect(run.seasonalNaiveRmse).toBeGreaterThan(2);
    expect(run.seasonalNaiveRmse).toBeLessThan(3);
    expect(run.seasonalDriftRmse).toBeLessThan(run.seasonalNaiveRmse);
    for (const file of ['model.safetensors', 'config.json', 'forecast.svg', 'loss.svg', 'rmse.svg', 'results.json']) expect(existsSync(join(io.cwd, 'model', file))).toBe(true);
  });

  it('rmse is the root of the mean squared error', () => {
    expect(rmse([1, 2, 3], [1, 2, 7])).toBeCloseTo(Math.sqrt(16 / 3), 12);
  });

  it('predict round-trips the saved model: the same forecast as the trained one', async () => {
    const history = loadCo2().values.slice(-40);
    const expected = forecastAhead(run.model, [history], 6)[0];
    expect(await predictForecast(['--model', 'model', '--steps', '6', history.join(',')], io)).toEqual(expected);
    writeFileSync(join(io.cwd, 'values.txt'), history.join('\n'));
    expect(await predictForecast(['--model', 'model', '--steps', '6', '--file', 'values.txt'], io)).toEqual(expected);
    expect(io.out()).toContain(expected.map((v) => v.toFixed(2)).join(', '));
  });

  it('predict refuses too few values, a value that is not a number, a missing model', async () => {
    await expect(predictForecast(['--model', 'model', '1,2,3'], io)).rejects.toThrow('a forecast needs at least 25 monthly values (the model reads 24 changes), got 3');
    await expect(predictForecast(['--model', 'model', '1,2,x'], io)).rejects.toThrow("the command line: value 3 is not a number: 'x'");
    await expect(predictForecast(['--model', 'nowhere', '1'], io)).rejects.toThrow(/^no model folder at .*nowhere: train one with npm run example:forecast$/);
    const config = JSON.parse(readFileSync(join(io.cwd, 'model', 'config.json'), 'utf8'));
    writeFileSync(join(io.cwd, 'model', 'config.json'), JSON.stringify({ ...config, std: 0 }));
    await expect(predictForecast(['--model', 'model', '1'], io)).rejects.toThrow('model config: std must be > 0, got 0');
    writeFileSync(join(io.cwd, 'model', 'config.json'), JSON.stringify(config));
  });
});
