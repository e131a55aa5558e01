/**
 * The bag-of-words baseline: multinomial naive Bayes with add-one (Laplace) smoothing over the same
 * tokens the GRU reads. It ignores word order, which is what the GRU's result is compared against.
 */
export class NaiveBayes {
  private readonly logPrior: [number, number];
  private readonly logLikelihood: [Map<string, number>, Map<string, number>];
  private readonly unseen: [number, number];

  constructor(documents: readonly (readonly string[])[], labels: readonly boolean[]) {
    const counts = [new Map<string, number>(), new Map<string, number>()];
    const totals = [0, 0];
    const docs = [0, 0];
    const vocabulary = new Set<string>();
    documents.forEach((doc, i) => {
      const c = labels[i] ? 1 : 0;
      docs[c] += 1;
      for (const t of doc) {
        counts[c].set(t, (counts[c].get(t) ?? 0) + 1);
        totals[c] += 1;
        vocabulary.add(t);
      }
    });
    const v = vocabulary.size;
    this.logPrior = [Math.log(docs[0] / documents.length), Math.log(docs[1] / documents.length)];
    this.unseen = [Math.log(1 / (totals[0] + v)), Math.log(1 / (totals[1] + v))];
    this.logLikelihood = [0, 1].map((c) => new Map([...vocabulary].map((t) => [t, Math.log(((counts[c].get(t) ?? 0) + 1) / (totals[c] + v))]))) as [
      Map<string, number>,
      Map<string, number>,
    ];
  }

  /** True when the posterior of spam is higher. */
  isSpam(tokens: readonly string[]): boolean {
    const score = [0, 1].map((c) => tokens.reduce((s, t) => s + (this.logLikelihood[c].get(t) ?? this.unseen[c]), this.logPrior[c]));
    return score[1] > score[0];
  }
}

/** Precision, recall and F1 of the positive class (spam), and accuracy. */
export interface BinaryScores {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly accuracy: number;
}

/** Scores of `predicted` against `actual` (spam = true). */
export function binaryScores(predicted: readonly boolean[], actual: readonly boolean[]): BinaryScores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  predicted.forEach((p, i) => {
    if (p && actual[i]) tp += 1;
    else if (p) fp += 1;
    else if (actual[i]) fn += 1;
    if (p === actual[i]) correct += 1;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), accuracy: correct / predicted.length };
}
