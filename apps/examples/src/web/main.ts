import { resolve } from 'node:path';
import { UsageError, helpText, parseArgs, type OptionSpec } from '../shared/options';
import type { ExampleIo } from '../shared/train-loop';
import { buildWebDemo, defaultDemoModel, serve } from './site';

/** The `web` command's options. */
export const WEB_OPTIONS: Record<string, OptionSpec> = {
  model: { kind: 'string', help: 'folder of a trained MNIST model (default: the one committed in apps/examples/models/mnist-gru)' },
  port: { kind: 'integer', min: 0, max: 65535, help: 'port on 127.0.0.1 (default 8080; 0: any free port)' },
  out: { kind: 'string', help: 'folder to build the page into (default web-dist)' },
  'build-only': { kind: 'boolean', help: 'build the page and exit, without serving it' },
  help: { kind: 'boolean', help: 'print this help' },
};

const USAGE = 'usage: npm run example:web -- [--model <dir>] [--port <n>] [--build-only]';

/** `npm run example:web`: builds the digit demo and serves it on 127.0.0.1 until interrupted. */
export async function runWeb(argv: readonly string[], io: ExampleIo): Promise<void> {
  const { values, positionals } = parseArgs(argv, WEB_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, WEB_OPTIONS));
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const out = resolve(io.cwd, (values.out as string | undefined) ?? 'web-dist');
  const model = values.model === undefined ? defaultDemoModel() : resolve(io.cwd, values.model as string);
  await buildWebDemo(out, model);
  io.stdout.write(`built the digit demo into ${out} (model: ${model})\n`);
  if (values['build-only'] === true) return;
  const { origin } = await serve(out, (values.port as number | undefined) ?? 8080);
  io.stdout.write(`open ${origin}/ and draw a digit; Ctrl-C stops the server\n`);
}
