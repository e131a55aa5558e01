import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gated/backend-cpu';
import { Adam, AdamW, Embedding, Generator, Module, SGD, StateDictError, add, crossEntropy, matmulTransposed, zeros, type Tensor } from '../index';
import { TOLERANCE, assertClose } from '../testing';

// A language model whose decoder reuses the embedding matrix (Press & Wolf, 2017), as PyTorch models
// do with `self.decoder.weight = self.encoder.weight`. Before tied weights were handled,
// parameters() listed the tensor twice and every optimizer refused the module.
const backend = new CpuBackend();

class TiedLanguageModel extends Module {
  readonly embed: Embedding;
  readonly decoderWeight: Tensor;
  readonly decoderBias: Tensor;

  constructor(seed: number) {
    super();
    this.embed = this.registerModule('embed', new Embedding({ numEmbeddings: 5, embeddingDim: 3, backend, generator: new Generator(seed) }));
    this.decoderWeight = this.registerParameter('decoder_weight', this.embed.weight);
    this.decoderBias = this.registerParameter('decoder_bias', zeros([5], { backend }));
  }

  forward(tokens: number[]): Tensor {
    return add(matmulTransposed(this.embed.forward(tokens), this.decoderWeight, false, true), this.decoderBias);
  }
}

const snapshot = (m: Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, Array.from(v.dataSync())]));

describe('tied weights', () => {
  it('parameters() lists a tied tensor once; stateDict() keeps both names, as PyTorch does', () => {
    const model = new TiedLanguageModel(1);
    expect(model.parameters()).toEqual([model.embed.weight, model.decoderBias]);
    // The first name wins, and a module's own parameters come before its children's (PyTorch's order).
    expect(model.namedParameters().map(([k]) => k)).toEqual(['decoder_weight', 'decoder_bias']);
    expect(model.numParameters()).toBe(5 * 3 + 5);
    const state = model.stateDict();
    expect(Object.keys(state)).toEqual(['decoder_weight', 'decoder_bias', 'embed.weight']);
    expect(state['decoder_weight']).toBe(state['embed.weight']);
  });

  it.each([
    ['SGD', (m: Module) => new SGD(m, { lr: 0.5 })],
    ['Adam', (m: Module) => new Adam(m.parameters(), { lr: 0.1 })],
    ['AdamW', (m: Module) => new AdamW([...m.parameters(), m.parameters()[0]], { lr: 0.1 })],
  ] as const)('%s accepts the module and updates the shared tensor once per step', (_name, make) => {
    const model = new TiedLanguageModel(2);
    const optimizer = make(model);
    const before = model.embed.weight.dataSync();
    crossEntropy(model.forward([0, 3, 4]), [1, 2, 0]).backward();
    const grad = model.embed.weight.grad!.dataSync();
    optimizer.step();
    const after = model.embed.weight.dataSync();
    expect(model.decoderWeight).toBe(model.embed.weight);
    if (_name === 'SGD') assertClose(after, before.map((w, i) => Math.fround(w - Math.fround(0.5 * grad[i]))), TOLERANCE.elementwise, 'one SGD step');
    // The gradient holds both uses (lookup and decoder), so rows that were never looked up still move.
    expect(Array.from(after.slice(3, 6))).not.toEqual(Array.from(before.slice(3, 6)));
  });

  it('loadStateDict of a tied dict works and keeps the tie', () => {
    const source = new TiedLanguageModel(3);
    const target = new TiedLanguageModel(4);
    target.loadStateDict(source.stateDict());
    expect(target.decoderWeight).toBe(target.embed.weight);
    expect(snapshot(target)).toEqual(snapshot(source));
  });

  it('refuses a dict whose two names of one tied tensor disagree, and changes nothing', () => {
    const target = new TiedLanguageModel(5);
    const before = snapshot(target);
    const state = { ...new TiedLanguageModel(6).stateDict(), decoder_weight: zeros([5, 3], { backend }) };
    expect(() => target.loadStateDict(state)).toThrow(StateDictError);
    expect(() => target.loadStateDict(state)).toThrow('embed.weight: tied to decoder_weight (one tensor), but the values differ at position 0');
    expect(snapshot(target)).toEqual(before);
  });
});
