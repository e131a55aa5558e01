import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Adam, Generator, clipGradNorm, crossEntropy, noGrad, softmax } from '@gated/core';
import { useBackend } from '../shared/backend';
import { commonOptions } from '../shared/common-options';
import { ModelFileError, MODEL_FILES, choiceField, integerField, loadWeights, numberField, readConfig, readExtra, saveModel } from '../shared/model-files';
import { UsageError, helpText, parseArgs, type OptionSpec } from '../shared/options';
import { lineChart } from '../shared/svg';
import { trainEpochs, type EpochRecord, type ExampleIo } from '../shared/train-loop';
import { NaiveBayes, binaryScores, type BinaryScores } from './baseline';
import { PAD, UNKNOWN, Vocabulary, loadSpamCorpus, padBatch, tokenize, type Email } from './data';
import { SpamClassifier, type SpamClassifierConfig } from './model';
import { attentionPage, type AttendedEmail } from './attention-page';

const DEFAULT_OUT = 'out/spam';

/** The training command's options. */
export const SPAM_OPTIONS: Record<string, OptionSpec> = {
  ...commonOptions({ epochs: 4, hidden: 32, out: DEFAULT_OUT }),
  lr: { kind: 'number', min: 0, max: 1, help: 'learning rate of Adam (default 0.003)' },
  'batch-size': { kind: 'integer', min: 1, max: 4096, help: 'e-mails per batch (default 64)' },
  'max-length': { kind: 'integer', min: 1, max: 10_000, help: 'tokens read per e-mail, the rest is cut off (default 64)' },
  embedding: { kind: 'integer', min: 1, max: 1024, help: 'embedding size (default 32)' },
};

/** The `predict` command's options. */
export const SPAM_PREDICT_OPTIONS: Record<string, OptionSpec> = {
  model: { kind: 'string', help: `folder of a trained model (default ${DEFAULT_OUT})` },
  file: { kind: 'string', help: 'read the e-mail (headers and body, or just text) from this file' },
  backend: commonOptions({ epochs: 0, hidden: 0, out: '' }).backend,
  help: { kind: 'boolean', help: 'print this help' },
};

const USAGE = 'usage: npm run example:spam -- [options]\n       npm run example:spam -- predict [--model <dir>] (--file <email.txt> | <text...>)';

/** What a spam run produced. */
export interface SpamResult {
  readonly config: SpamClassifierConfig;
  readonly parameters: number;
  readonly test: BinaryScores;
  readonly baseline: BinaryScores;
  readonly history: EpochRecord[];
  readonly secondsPerEpoch: number;
  readonly trainSize: number;
  readonly testSize: number;
  /** The trained model (left out of results.json). */
  readonly model: SpamClassifier;
}

/** Spam probability and attention weights of each e-mail in `rows` (evaluation mode, no graph). */
export function score(model: SpamClassifier, rows: readonly (readonly number[])[]): { spam: number[]; weights: number[][] } {
  model.eval();
  const spam: number[] = [];
  const weights: number[][] = [];
  noGrad(() => {
    for (let start = 0; start < rows.length; start += 128) {
      const chunk = rows.slice(start, start + 128);
      const { ids, lengths } = padBatch(chunk);
      const out = model.forward(ids, lengths);
      const p = softmax(out.logits, -1).dataSync();
      const w = out.weights.dataSync();
      const width = ids[0].length;
      chunk.forEach((row, i) => {
        spam.push(p[i * 2 + 1]);
        weights.push(Array.from(w.subarray(i * width, i * width + row.length)));
      });
    }
  });
  model.train();
  return { spam, weights };
}

/** `npm run example:spam -- [options]`. */
export async function trainSpam(argv: readonly string[], io: ExampleIo): Promise<SpamResult | null> {
  const { values, positionals } = parseArgs(argv, SPAM_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, SPAM_OPTIONS));
    return null;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (the commands are: train (default), predict)`);
  const backend = await useBackend((values.backend as string | undefined) ?? 'cpu');
  io.stdout.write(`backend: ${backend.name}\n`);
  const out = resolve(io.cwd, (values.out as string | undefined) ?? DEFAULT_OUT);
  const maxLength = (values['max-length'] as number | undefined) ?? 64;
  const epochs = (values.epochs as number | undefined) ?? 4;
  const seed = (values.seed as number | undefined) ?? 0;

  const { train, test } = loadSpamCorpus();
  const cut = (emails: Email[]) => emails.map((e) => e.tokens.slice(0, maxLength));
  const trainTokens = cut(train);
  const testTokens = cut(test);
  const vocabulary = Vocabulary.build(trainTokens, { minCount: 2, maxSize: 10_000 });
  const trainIds = trainTokens.map((t) => vocabulary.encode(t));
  const testIds = testTokens.map((t) => vocabulary.encode(t));
  const actual = test.map((e) => e.spam);

  const bayes = new NaiveBayes(trainTokens, train.map((e) => e.spam));
  const baseline = binaryScores(testTokens.map((t) => bayes.isSpam(t)), actual);
  io.stdout.write(`bag-of-words baseline (naive Bayes, same ${maxLength} tokens): precision ${baseline.precision.toFixed(4)}  recall ${baseline.recall.toFixed(4)}  F1 ${baseline.f1.toFixed(4)}\n`);

  const config: SpamClassifierConfig = {
    cell: (values.cell as 'gru' | 'lstm' | undefined) ?? 'gru',
    vocabSize: vocabulary.size,
    embeddingDim: (values.embedding as number | undefined) ?? 32,
    hiddenSize: (values.hidden as number | undefined) ?? 32,
    numLayers: 2,
    dropout: 0.2,
    maxLength,
  };
  const generator = new Generator(seed);
  const model = new SpamClassifier(config, generator);
  const optimizer = new Adam(model.parameters(), { lr: (values.lr as number | undefined) ?? 3e-3 });
  let last: { spam: number[]; weights: number[][] } = { spam: [], weights: [] };
  const history = await trainEpochs({
    io,
    label: `spam ${config.cell}`,
    epochs,
    trainSize: train.length,
    batchSize: (values['batch-size'] as number | undefined) ?? 64,
    maxBatches: values['max-batches'] as number | undefined,
    generator,
    step: (indices) => {
      const { ids, lengths } = padBatch(indices.map((i) => trainIds[i]));
      const loss = crossEntropy(model.forward(ids, lengths).logits, Int32Array.from(indices, (i) => (train[i].spam ? 1 : 0)));
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm(model, 1.0);
      optimizer.step();
      return loss.item();
    },
    evaluate: () => {
      last = score(model, testIds);
      const s = binaryScores(last.spam.map((p) => p > 0.5), actual);
      return { precision: s.precision, recall: s.recall, F1: s.f1 };
    },
  });
  const scores = binaryScores(last.spam.map((p) => p > 0.5), actual);
  saveModel(out, 'spam', model, config, { [MODEL_FILES.vocabulary]: vocabulary.tokens });

  // Three spam and three ham e-mails of the test split, the first in its (seeded) order.
  const shown = [...test.keys()].filter((i) => test[i].spam).slice(0, 3).concat([...test.keys()].filter((i) => !test[i].spam).slice(0, 3));
  const attended: AttendedEmail[] = shown.map((i) => ({ id: test[i].id, spam: test[i].spam, probability: last.spam[i], tokens: testTokens[i], weights: last.weights[i] }));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'attention.html'), attentionPage(attended));
  const epochsX = history.map((h) => h.epoch);
  writeFileSync(join(out, 'loss.svg'), lineChart({ title: 'Spam filter: training loss', xLabel: 'epoch', yLabel: 'mean cross-entropy', series: [{ name: config.cell.toUpperCase(), x: epochsX, y: history.map((h) => h.loss), color: '#1f77b4' }] }));
  writeFileSync(
    join(out, 'f1.svg'),
    lineChart({
      title: 'Spam filter: test F1 (spam class)',
      legend: 'left',
      xLabel: 'epoch',
      yLabel: 'F1',
      series: [
        { name: `${config.cell.toUpperCase()} + attention`, x: epochsX, y: history.map((h) => h.metrics.F1), color: '#1f77b4' },
        { name: 'naive Bayes', x: epochsX, y: epochsX.map(() => baseline.f1), color: '#7f7f7f', dashed: true },
      ],
    }),
  );
  const result: SpamResult = {
    config,
    parameters: model.numParameters(),
    test: scores,
    baseline,
    history,
    secondsPerEpoch: history.reduce((s, h) => s + h.seconds, 0) / history.length,
    trainSize: train.length,
    testSize: test.length,
    model,
  };
  writeFileSync(join(out, 'results.json'), JSON.stringify({ argv, ...result, model: undefined }, null, 2) + '\n');
  const row = (name: string, s: BinaryScores) => `| ${name} | ${s.precision.toFixed(4)} | ${s.recall.toFixed(4)} | ${s.f1.toFixed(4)} | ${s.accuracy.toFixed(4)} |`;
  io.stdout.write(
    `\n| model | precision | recall | F1 | accuracy |\n| --- | --- | --- | --- | --- |\n${row(`${config.cell.toUpperCase()} + attention`, scores)}\n${row('naive Bayes (bag of words)', baseline)}\n` +
      `\nSaved to ${out}: model.safetensors, config.json, vocabulary.json, attention.html, loss.svg, f1.svg, results.json\n`,
  );
  return result;
}

/** Loads a saved spam classifier and its vocabulary. */
export function loadSpamClassifier(dir: string): { model: SpamClassifier; vocabulary: Vocabulary } {
  if (!existsSync(dir)) throw new ModelFileError(`no model folder at ${dir}: train one with npm run example:spam`);
  const raw = readConfig(dir, 'spam');
  const config: SpamClassifierConfig = {
    cell: choiceField(raw, 'cell', ['gru', 'lstm'] as const),
    vocabSize: integerField(raw, 'vocabSize', 2),
    embeddingDim: integerField(raw, 'embeddingDim'),
    hiddenSize: integerField(raw, 'hiddenSize'),
    numLayers: integerField(raw, 'numLayers', 1, 16),
    dropout: numberField(raw, 'dropout'),
    maxLength: integerField(raw, 'maxLength'),
  };
  const tokens = readExtra(dir, MODEL_FILES.vocabulary);
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string') || tokens[0] !== PAD || tokens[1] !== UNKNOWN) {
    throw new ModelFileError(`${join(dir, MODEL_FILES.vocabulary)} must be a JSON array of strings starting with "${PAD}", "${UNKNOWN}"`);
  }
  if (tokens.length !== config.vocabSize) throw new ModelFileError(`${join(dir, MODEL_FILES.vocabulary)} has ${tokens.length} tokens, but the config says vocabSize ${config.vocabSize}`);
  const model = new SpamClassifier(config);
  loadWeights(dir, model);
  return { model, vocabulary: new Vocabulary(tokens as string[]) };
}

/** `npm run example:spam -- predict ...`: the spam probability and the most attended words. */
export async function predictSpam(argv: readonly string[], io: ExampleIo): Promise<{ spam: boolean; probability: number; topWords: string[] } | null> {
  const { values, positionals } = parseArgs(argv, SPAM_PREDICT_OPTIONS);
  if (values.help === true) {
    io.stdout.write(helpText(USAGE, SPAM_PREDICT_OPTIONS));
    return null;
  }
  const file = values.file as string | undefined;
  if ((file === undefined) === (positionals.length === 0)) throw new UsageError('predict needs the e-mail as text arguments or --file <path> (not both)');
  let text: string;
  if (file !== undefined) {
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) throw new UsageError(`no e-mail file at ${path}`);
    text = readFileSync(path, 'utf8');
  } else text = `Subject: \n\n${positionals.join(' ')}`;
  await useBackend((values.backend as string | undefined) ?? 'cpu');
  const { model, vocabulary } = loadSpamClassifier(resolve(io.cwd, (values.model as string | undefined) ?? DEFAULT_OUT));
  // A file may be a whole message (headers, blank line, body) or bare text; bare text is all body.
  const tokens = tokenize(/^[\w-]+:/.test(text) && /\r?\n\r?\n/.test(text) ? text : `Subject: \n\n${text}`).slice(0, model.config.maxLength);
  if (tokens.length === 0) throw new UsageError('the e-mail has no words to classify');
  const { spam, weights } = score(model, [vocabulary.encode(tokens)]);
  const topWords = [...tokens.keys()].sort((a, b) => weights[0][b] - weights[0][a]).slice(0, 5).map((i) => tokens[i]);
  const isSpam = spam[0] > 0.5;
  io.stdout.write(`${isSpam ? 'spam' : 'ham'} (spam probability ${(spam[0] * 100).toFixed(1)}%); most attended words: ${topWords.join(', ')}\n`);
  return { spam: isSpam, probability: spam[0], topWords };
}
