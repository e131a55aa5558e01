import { ValueError } from '@gated/core';

/** A bad command line: an unknown option, a missing or malformed value. The message says what was expected. */
export class UsageError extends ValueError {}

/** One option an example accepts. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` is a flag. */
  readonly kind: 'integer' | 'number' | 'string' | 'boolean';
  /** One line for `--help`. */
  readonly help: string;
  /** Allowed values of a string option (anything else is refused). */
  readonly choices?: readonly string[];
  /** Smallest allowed value of a number option. */
  readonly min?: number;
  /** Largest allowed value of a number option. */
  readonly max?: number;
}

/** Parsed options: the values given, by name (a flag given is `true`), and the positional arguments. */
export interface ParsedArgs {
  readonly values: Readonly<Record<string, string | number | boolean>>;
  readonly positionals: readonly string[];
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** ` (did you mean --x?)` when a known name is close to `name`, else ``. */
export function suggestion(name: string, known: readonly string[]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${best}?)` : '';
}

function convert(name: string, spec: OptionSpec, raw: string): string | number {
  if (spec.kind === 'string') {
    if (spec.choices !== undefined && !spec.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
    }
    return raw;
  }
  const value = Number(raw);
  const what = spec.kind === 'integer' ? 'an integer' : 'a number';
  if (raw.trim() === '' || !Number.isFinite(value) || (spec.kind === 'integer' && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${what}, got '${raw}'`);
  }
  if (spec.min !== undefined && value < spec.min) throw new UsageError(`--${name} must be ${what} ≥ ${spec.min}, got ${raw}`);
  if (spec.max !== undefined && value > spec.max) throw new UsageError(`--${name} must be ${what} ≤ ${spec.max}, got ${raw}`);
  return value;
}

/**
 * Parses `--name value`, `--name=value` and `--flag` against `specs`; anything else starting with
 * `--` is refused with the list of known options (and the closest one).
 */
export function parseArgs(argv: readonly string[], specs: Readonly<Record<string, OptionSpec>>): ParsedArgs {
  const values: Record<string, string | number | boolean> = {};
  const positionals: string[] = [];
  const known = Object.keys(specs);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs[name];
    if (spec === undefined) {
      throw new UsageError(`unknown option --${name}${suggestion(name, known)}; the options are ${known.map((k) => `--${k}`).join(', ')}`);
    }
    if (name in values) throw new UsageError(`--${name} was given twice`);
    if (spec.kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} is a flag and takes no value, got '${arg.slice(eq + 1)}'`);
      values[name] = true;
      continue;
    }
    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name} needs a value`);
      raw = argv[++i];
    }
    values[name] = convert(name, spec, raw);
  }
  return { values, positionals };
}

/** The `--help` text: a usage line, then one line per option. */
export function helpText(usage: string, specs: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.kind === 'boolean' ? '' : spec.choices !== undefined && spec.choices.length <= 4 ? ` ${spec.choices.join('|')}` : ` <${spec.kind === 'string' ? 'value' : spec.kind}>`;
    return [`  --${name}${value}`, spec.help];
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return `${usage}\n\nOptions:\n${rows.map(([left, right]) => left.padEnd(width) + right).join('\n')}\n`;
}
