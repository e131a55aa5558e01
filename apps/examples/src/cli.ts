import { GatedError } from '@gated/core';
import { predictMnist, reportMnist, trainMnist } from './mnist/main';
import { predictSpam, trainSpam } from './spam/main';
import { predictForecast, trainForecast } from './forecast/main';
import { UsageError } from './shared/options';
import type { ExampleIo } from './shared/train-loop';
import { runWeb } from './web/main';

type Command = (argv: readonly string[], io: ExampleIo) => Promise<unknown>;

const EXAMPLES: Record<string, { train: Command; predict: Command }> = {
  mnist: { train: trainMnist, predict: predictMnist },
  spam: { train: trainSpam, predict: predictSpam },
  forecast: { train: trainForecast, predict: predictForecast },
};

/** Runs `<example> [predict] [options]`; returns the exit code (2 for a usage error, 1 for a bad model or input). */
export async function main(argv: readonly string[], io: ExampleIo): Promise<number> {
  const [name, ...rest] = argv;
  const example = EXAMPLES[name ?? ''];
  try {
    if (name === 'web') {
      await runWeb(rest, io);
      return 0;
    }
    if (example === undefined) throw new UsageError(`the first argument must be an example: ${[...Object.keys(EXAMPLES), 'web'].join(', ')}; got ${name === undefined ? 'nothing' : `'${name}'`}`);
    if (rest[0] === 'predict') await example.predict(rest.slice(1), io);
    else if (name === 'mnist' && rest[0] === 'report') reportMnist(rest.slice(1), io);
    else await example.train(rest[0] === 'train' ? rest.slice(1) : rest, io);
    return 0;
  } catch (error) {
    if (error instanceof GatedError) {
      io.stderr.write(`${name ?? 'examples'}: ${error.message}\n`);
      return error instanceof UsageError ? 2 : 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
}
