import { BACKEND_HELP } from './backend';
import type { OptionSpec } from './options';

/** The options every example's training command takes. */
export function commonOptions(defaults: { epochs: number; hidden: number; out: string }): Record<string, OptionSpec> {
  return {
    epochs: { kind: 'integer', min: 1, max: 10_000, help: `training epochs (default ${defaults.epochs})` },
    backend: { kind: 'string', help: BACKEND_HELP },
    seed: { kind: 'integer', min: 0, max: 2 ** 32 - 1, help: 'seed of the initial weights, the shuffling and dropout (default 0)' },
    hidden: { kind: 'integer', min: 1, max: 4096, help: `hidden size of the recurrent layer (default ${defaults.hidden})` },
    cell: { kind: 'string', choices: ['gru', 'lstm'], help: 'recurrent cell (default gru)' },
    out: { kind: 'string', help: `folder for the model, config and pictures (default ${defaults.out})` },
    'max-batches': { kind: 'integer', min: 1, help: 'stop each epoch after this many batches (a quick smoke run)' },
    help: { kind: 'boolean', help: 'print this help' },
  };
}
