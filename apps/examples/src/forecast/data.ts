import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A regular monthly series: `values[i]` is the month `start + i` (months counted from year 0). */
export interface MonthlySeries {
  readonly start: number;
  readonly values: readonly number[];
  /** Months that were missing in the file and filled by linear interpolation. */
  readonly filled: number;
}

/** `year·12 + month − 1` of a `YYYY-MM-DD` date. */
export function monthIndex(date: string): number {
  const match = /^(\d{4})-(\d{2})/.exec(date);
  if (match === null) throw new Error(`not a YYYY-MM date: '${date}'`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

/** The month index as a decimal year (for pictures): January of 2000 is 2000.0. */
export function decimalYear(month: number): number {
  return Math.floor(month / 12) + (month % 12) / 12;
}

/** Parses `Date,CO2,...` CSV text into a regular monthly series, interpolating missing months. */
export function parseCo2Csv(text: string): MonthlySeries {
  const rows = text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(','))
    .map(([date, value]) => [monthIndex(date), Number(value)] as const)
    .filter(([, v]) => Number.isFinite(v));
  const start = rows[0][0];
  const values: number[] = [];
  let filled = 0;
  for (let r = 0; r < rows.length; r++) {
    const [month, value] = rows[r];
    if (r > 0) {
      const [previousMonth, previousValue] = rows[r - 1];
      for (let m = previousMonth + 1; m < month; m++) {
        values.push(previousValue + ((value - previousValue) * (m - previousMonth)) / (month - previousMonth));
        filled += 1;
      }
    }
    values.push(value);
  }
  return { start, values, filled };
}

/**
 * Monthly mean CO₂ at Mauna Loa, 1958–2020 (ppm), from `vega-datasets` (`data/co2-concentration.csv`;
 * source: Scripps CO2 Program, https://scrippsco2.ucsd.edu, licensed CC BY 4.0).
 */
export function loadCo2(): MonthlySeries {
  const require = createRequire(import.meta.url);
  // The package exports only its loader (build/index.js); the CSV sits in data/ beside build/.
  const root = dirname(dirname(require.resolve('vega-datasets')));
  return parseCo2Csv(readFileSync(join(root, 'data', 'co2-concentration.csv'), 'utf8'));
}
