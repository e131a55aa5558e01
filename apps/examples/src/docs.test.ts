import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FORECAST_OPTIONS, FORECAST_PREDICT_OPTIONS } from './forecast/main';
import { MNIST_OPTIONS, MNIST_PREDICT_OPTIONS, MNIST_REPORT_OPTIONS } from './mnist/main';
import { MNIST_SMOKE_ARGS } from './mnist/smoke-args';
import { parseArgs, type OptionSpec } from './shared/options';
import { SPAM_OPTIONS, SPAM_PREDICT_OPTIONS } from './spam/main';
import { appDirectory } from './web/site';
import { WEB_OPTIONS } from './web/main';

/**
 * The command lines of the examples' docs are real: every `npm run example:…` line of a shell block
 * in docs/examples.md and the app's README parses with that command's options (no unknown option, no
 * bad value), and the smoke command shown is the one the MNIST test runs. (The repository's docs test
 * checks that the scripts exist.)
 */

const appDir = appDirectory();
const DOCS = [join(appDir, '..', '..', 'docs', 'examples.md'), join(appDir, 'README.md')];

const SPECS: Record<string, { train: Record<string, OptionSpec>; predict?: Record<string, OptionSpec>; report?: Record<string, OptionSpec> }> = {
  mnist: { train: MNIST_OPTIONS, predict: MNIST_PREDICT_OPTIONS, report: MNIST_REPORT_OPTIONS },
  spam: { train: SPAM_OPTIONS, predict: SPAM_PREDICT_OPTIONS },
  forecast: { train: FORECAST_OPTIONS, predict: FORECAST_PREDICT_OPTIONS },
  web: { train: WEB_OPTIONS },
};

/** Words of a command line, with "double" and 'single' quotes. */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The `npm run example:…` command lines in the shell blocks of `markdown` (comments removed). */
function commandLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter((l) => l.startsWith('npm run example:'));
}

describe('the command lines of the examples docs', () => {
  for (const file of DOCS) {
    const lines = commandLines(readFileSync(file, 'utf8'));

    it(`${file.replace(/^.*\/(docs|apps)\//, '$1/')}: every example command parses with its options`, () => {
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const [, , script, separator, ...rest] = words(line);
        const example = script.replace(/^example:/, '');
        const spec = SPECS[example];
        expect(spec, line).toBeDefined();
        if (separator === undefined) continue;
        expect(separator, line).toBe('--');
        const command = rest[0] === 'predict' || rest[0] === 'report' ? rest[0] : null;
        const options = command === null ? spec.train : spec[command];
        expect(options, line).toBeDefined();
        expect(() => parseArgs(command === null ? rest : rest.slice(1), options as Record<string, OptionSpec>), line).not.toThrow();
      }
    });
  }

  it('docs/examples.md shows the smoke command the MNIST test runs', () => {
    expect(commandLines(readFileSync(DOCS[0], 'utf8'))).toContain(`npm run example:mnist -- ${MNIST_SMOKE_ARGS.join(' ')}`);
  });
});
