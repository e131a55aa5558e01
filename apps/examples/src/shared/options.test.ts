import { describe, expect, it } from 'vitest';
import { ValueError } from '@gated/core';
import { main } from '../cli';
import { MNIST_OPTIONS } from '../mnist/main';
import { createBackend } from './backend';
import { UsageError, helpText, parseArgs } from './options';
import { recordingIo } from './test-io';

describe('option parsing', () => {
  it('reads --name value, --name=value and flags, converted to their kinds', () => {
    const { values, positionals } = parseArgs(['--epochs', '3', '--cell=lstm', '--compare', '--lr', '0.01', 'extra'], MNIST_OPTIONS);
    expect(values).toEqual({ epochs: 3, cell: 'lstm', compare: true, lr: 0.01 });
    expect(positionals).toEqual(['extra']);
  });

  it('refuses an unknown option, names the closest known one and lists them all', () => {
    expect(() => parseArgs(['--epoch', '3'], MNIST_OPTIONS)).toThrow(/^unknown option --epoch \(did you mean --epochs\?\); the options are --epochs, --backend/);
    expect(() => parseArgs(['--zzzzzz'], MNIST_OPTIONS)).toThrow(/^unknown option --zzzzzz; the options are/);
  });

  it.each([
    [['--epochs', '0'], '--epochs must be an integer ≥ 1, got 0'],
    [['--epochs', '2.5'], "--epochs must be an integer, got '2.5'"],
    [['--epochs', 'many'], "--epochs must be an integer, got 'many'"],
    [['--epochs'], '--epochs needs a value'],
    [['--epochs', '--seed', '1'], '--epochs needs a value'],
    [['--cell', 'rnn'], "--cell must be one of gru, lstm, got 'rnn'"],
    [['--lr', '2'], '--lr must be a number ≤ 1, got 2'],
    [['--compare=yes'], "--compare is a flag and takes no value, got 'yes'"],
    [['--seed', '1', '--seed', '2'], '--seed was given twice'],
  ])('%j is refused: %s', (argv, message) => {
    let error: unknown;
    try {
      parseArgs(argv, MNIST_OPTIONS);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toBeInstanceOf(ValueError);
    expect((error as Error).message).toBe(message);
  });

  it('--help lists every option with its help line', () => {
    const text = helpText('usage: x', MNIST_OPTIONS);
    for (const name of Object.keys(MNIST_OPTIONS)) expect(text).toContain(`--${name}`);
    expect(text).toContain('--cell gru|lstm');
  });

  it('a bad --backend is refused before any work', async () => {
    await expect(createBackend('tpu')).rejects.toThrow("--backend must be cpu or gpujs:<mode>, got 'tpu'");
    await expect(createBackend('gpujs:warp')).rejects.toThrow("the mode must be one of headlessgl, webgl2, webgl, webgpu, webasm, cpu, got 'warp'");
  });
});

describe('the command line', () => {
  it('prints a usage error on stderr and exits with 2', async () => {
    const io = recordingIo();
    expect(await main(['mnist', '--epoch', '1'], io)).toBe(2);
    expect(io.err()).toBe('mnist: unknown option --epoch (did you mean --epochs?); the options are --epochs, --backend, --seed, --hidden, --cell, --out, --max-batches, --help, --compare, --lr, --batch-size, --shift\n');
    expect(await main(['digits'], io)).toBe(2);
    expect(io.err()).toContain("the first argument must be an example: mnist, spam, forecast, web; got 'digits'");
  });

  it('--help prints the usage and exits with 0 for every example and predict', async () => {
    for (const argv of [['mnist', '--help'], ['spam', '--help'], ['forecast', '--help'], ['mnist', 'predict', '--help'], ['spam', 'predict', '--help'], ['forecast', 'predict', '--help']]) {
      const io = recordingIo();
      expect(await main(argv, io)).toBe(0);
      expect(io.out()).toMatch(/^usage: npm run example:/);
      expect(io.out()).toContain('--backend');
    }
  });

  it('a missing model is exit code 1 with a message that says how to train one', async () => {
    const io = recordingIo();
    expect(await main(['forecast', 'predict', '--model', 'nowhere', '1', '2'], io)).toBe(1);
    expect(io.err()).toMatch(/^forecast: no model folder at .*nowhere: train one with npm run example:forecast\n$/);
  });
});
