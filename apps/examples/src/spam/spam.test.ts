import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordingIo } from '../shared/test-io';
import { NaiveBayes, binaryScores } from './baseline';
import { Vocabulary, loadSpamCorpus, padBatch, tokenize } from './data';
import { loadSpamClassifier, predictSpam, score, trainSpam, type SpamResult } from './main';

// A smoke run: 3 epochs of 5 batches of 32 e-mails, 24 tokens each, a small bidirectional 2-layer GRU.
const SMOKE = ['--epochs', '3', '--max-batches', '5', '--batch-size', '32', '--max-length', '24', '--hidden', '8', '--embedding', '8', '--lr', '0.01', '--seed', '3'];

describe('the spam filter, smoke mode', () => {
  const io = recordingIo();
  let run: SpamResult;

  beforeAll(async () => {
    run = (await trainSpam([...SMOKE, '--out', 'model'], io)) as SpamResult;
  }, 180_000);

  it('tokenises the subject and body, not the routing headers, and decodes quoted-printable', () => {
    const mail = 'Received: from mx.example.org\nSubject: Cheap pills!\nContent-Type: text/html\n\n<p>Buy n=\now at http://x.example/a or mail me@x.org for $10</p>';
    expect(tokenize(mail)).toEqual(['cheap', 'pills', '!', 'buy', 'now', 'at', 'xurl', 'or', 'mail', 'xemail', 'for', 'xmoney']);
  });

  it('splits the 6,046 messages 80/20 the same way every time, both classes in both parts', () => {
    const a = loadSpamCorpus();
    expect(a.train.length + a.test.length).toBe(6046);
    expect(a.test.length).toBe(1209);
    expect(a.test.map((e) => e.id)).toEqual(loadSpamCorpus().test.map((e) => e.id));
    const spamShare = a.test.filter((e) => e.spam).length / a.test.length;
    expect(spamShare).toBeGreaterThan(0.25);
    expect(spamShare).toBeLessThan(0.4);
  });

  it('the vocabulary reserves padding and unknown words, and pads batches with 0', () => {
    const vocabulary = Vocabulary.build([['a', 'b', 'a'], ['a', 'c']], { minCount: 2, maxSize: 10 });
    expect(vocabulary.tokens).toEqual(['<pad>', '<unk>', 'a']);
    expect(vocabulary.encode(['a', 'zzz'])).toEqual([2, 1]);
    expect(padBatch([[2, 3, 4], [5]])).toEqual({ ids: [[2, 3, 4], [5, 0, 0]], lengths: [3, 1] });
  });

  it('the bag-of-words baseline learns from counts, and the scores are computed as defined', () => {
    const bayes = new NaiveBayes([['win', 'money'], ['win', 'prize'], ['meeting', 'notes'], ['lunch', 'notes']], [true, true, false, false]);
    expect(bayes.isSpam(['win'])).toBe(true);
    expect(bayes.isSpam(['notes'])).toBe(false);
    // tp 1, fp 1, fn 1, tn 1
    expect(binaryScores([true, true, false, false], [true, false, true, false])).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, accuracy: 0.5 });
  });

  it('the training loss decreases', () => {
    expect(run.history).toHaveLength(3);
    expect(run.history[2].loss).toBeLessThan(run.history[0].loss - 0.02);
  });

  it('writes the model, config, vocabulary, attention page and curves', () => {
    for (const file of ['model.safetensors', 'config.json', 'vocabulary.json', 'attention.html', 'loss.svg', 'f1.svg', 'results.json']) {
      expect(existsSync(join(io.cwd, 'model', file))).toBe(true);
    }
    const page = readFileSync(join(io.cwd, 'model', 'attention.html'), 'utf8');
    expect(page.match(/<section>/g)).toHaveLength(6);
    expect(page).toMatch(/<span style="background: rgba\(255, 99, 71, 1\.000\)"/);
  });

  it('attention weights cover exactly the valid tokens and sum to 1', () => {
    const { weights } = score(run.model, [[2, 3, 4], [5]]);
    expect(weights.map((w) => w.length)).toEqual([3, 1]);
    for (const w of weights) expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
  });

  it('predict round-trips the saved model: the same probability as the trained one', async () => {
    const text = 'Dear friend, claim your FREE prize money now, click here';
    const { vocabulary } = loadSpamClassifier(join(io.cwd, 'model'));
    const expected = score(run.model, [vocabulary.encode(tokenize(`Subject: \n\n${text}`))]).spam[0];
    const predicted = await predictSpam(['--model', 'model', text], io);
    expect(predicted?.probability).toBe(expected);
    expect(predicted?.topWords.length).toBe(5);
    writeFileSync(join(io.cwd, 'mail.txt'), `From: someone\nSubject: lunch\n\n${text}`);
    const fromFile = await predictSpam(['--model', 'model', '--file', 'mail.txt'], io);
    expect(fromFile?.probability).toBe(score(run.model, [vocabulary.encode(['lunch', ...tokenize(`Subject: \n\n${text}`)])]).spam[0]);
  });

  it('predict refuses a missing model, a vocabulary that does not match, no text', async () => {
    await expect(predictSpam(['--model', 'nowhere', 'hello'], io)).rejects.toThrow(/^no model folder at .*nowhere: train one with npm run example:spam$/);
    const dir = join(io.cwd, 'broken');
    mkdirSync(dir, { recursive: true });
    for (const f of ['model.safetensors', 'config.json']) copyFileSync(join(io.cwd, 'model', f), join(dir, f));
    await expect(predictSpam(['--model', 'broken', 'hello'], io)).rejects.toThrow(/^no vocabulary\.json at .*vocabulary\.json: train the model first/);
    writeFileSync(join(dir, 'vocabulary.json'), JSON.stringify(['<pad>', '<unk>', 'a']));
    await expect(predictSpam(['--model', 'broken', 'hello'], io)).rejects.toThrow(/vocabulary\.json has 3 tokens, but the config says vocabSize \d+/);
    writeFileSync(join(dir, 'vocabulary.json'), JSON.stringify(['a', 'b']));
    await expect(predictSpam(['--model', 'broken', 'hello'], io)).rejects.toThrow(/must be a JSON array of strings starting with "<pad>", "<unk>"/);
    await expect(predictSpam(['--model', 'model'], io)).rejects.toThrow('predict needs the e-mail as text arguments or --file <path> (not both)');
    await expect(predictSpam(['--model', 'model', '... ;;'], io)).rejects.toThrow('the e-mail has no words to classify');
    await expect(predictSpam(['--model', 'model', '--file', 'absent.txt'], io)).rejects.toThrow(/^no e-mail file at .*absent\.txt$/);
  });
});
