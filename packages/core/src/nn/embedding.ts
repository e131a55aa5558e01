import type { Backend } from '../backend/backend';
import { resolveBackend } from '../backend/default';
import { ValueError, formatShape } from '../errors';
import { mul, ne, reshape, unsqueeze } from '../ops';
import { record, refOf } from '../ops/record';
import type { Generator } from '../random';
import { tensor, zeros } from '../tensor/creation';
import { fromStorage, isTensor, type NestedArray, type Tensor } from '../tensor/tensor';
import { normal } from './init';
import { Module } from './module';
import { noGrad } from '../autograd/grad-mode';
import { checkOptions, describeValue } from '../options';

/** Options of {@link Embedding}. */
export interface EmbeddingOptions {
  /** Size of the vocabulary. */
  numEmbeddings: number;
  /** Size of each embedding vector. */
  embeddingDim: number;
  /**
   * An index whose row is initialised to zeros and never receives a gradient (e.g. the padding
   * token). Negative values count from the end, as in PyTorch. @defaultValue none
   */
  paddingIdx?: number;
  /** @defaultValue the default backend */
  backend?: Backend;
  /** Generator for the initial values. @defaultValue the default generator */
  generator?: Generator;
}

/** Integer indices for {@link Embedding.forward}: a tensor of integer values, or (nested) arrays of integers. */
export type EmbeddingIndices = Tensor | NestedArray | Int32Array;

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (PyTorch's `nn.Embedding`).
 *
 * Shapes: indices `[...]` (any shape, integer values in `[0, numEmbeddings)`), output
 * `[..., embeddingDim]`. Parameter `weight` `[numEmbeddings, embeddingDim]`.
 *
 * @remarks PyTorch's init: `weight ~ N(0, 1)`, then the `paddingIdx` row is set to 0. The backward
 * scatter-adds the output gradient into the rows that were looked up (repeated indices accumulate),
 * skipping every position whose index is `paddingIdx`.
 * @example
 * ```ts
 * const embed = new Embedding({ numEmbeddings: 100, embeddingDim: 8, paddingIdx: 0 });
 * const vectors = embed.forward([[5, 7, 0], [3, 0, 0]]); // [2, 3, 8]
 * ```
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The normalised (non-negative) padding index, or `undefined`. */
  readonly paddingIdx: number | undefined;
  /** `[numEmbeddings, embeddingDim]`. */
  readonly weight: Tensor;

  /** @throws ValueError for an invalid size or `paddingIdx`; OptionsError for an unknown option or a value of the wrong type. */
  constructor(rawOptions: EmbeddingOptions) {
    super();
    const options = checkOptions(rawOptions, {
      where: 'new Embedding(options)',
      spec: { numEmbeddings: 'number', embeddingDim: 'number', paddingIdx: 'number', backend: 'backend', generator: 'generator' },
      required: ['numEmbeddings', 'embeddingDim'],
    });
    const { numEmbeddings, embeddingDim } = options;
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new ValueError(`Embedding: ${name} must be a non-negative integer, got ${String(v)}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    let padding = options.paddingIdx;
    if (padding !== undefined) {
      if (!Number.isInteger(padding) || padding >= numEmbeddings || padding < -numEmbeddings) {
        throw new ValueError(`Embedding: paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings - 1}], got ${padding}`);
      }
      if (padding < 0) padding += numEmbeddings;
    }
    this.paddingIdx = padding;
    const backend = resolveBackend(options.backend);
    const weight = normal(zeros([numEmbeddings, embeddingDim], { backend }), { generator: options.generator });
    if (padding !== undefined) {
      const values = weight.dataSync();
      values.fill(0, padding * embeddingDim, (padding + 1) * embeddingDim);
      noGrad(() => weight.assign(fromStorage(backend, backend.upload(values), weight.shape)));
    }
    this.weight = this.registerParameter('weight', weight);
  }

  /** Looks up `indices` (any shape), giving `[...indices.shape, embeddingDim]`. */
  forward(indices: EmbeddingIndices): Tensor {
    const backend = this.weight.backend;
    if (!isTensor(indices) && !Array.isArray(indices) && !ArrayBuffer.isView(indices) && typeof indices !== 'number') {
      throw new ValueError(`Embedding: indices must be a Tensor or a (nested) array of integers, got ${describeValue(indices)}`);
    }
    const idx = isTensor(indices) ? indices : tensor(indices as NestedArray, undefined, { backend });
    if (idx.backend !== backend) {
      throw new ValueError(`Embedding: indices live on backend '${idx.backend.name}', the weight on '${backend.name}'`);
    }
    if (backend.supportsSyncRead) {
      const values = idx.dataSync();
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isInteger(v) || v < 0 || v >= this.numEmbeddings) {
          throw new ValueError(`Embedding: index ${v} at position ${i} of indices ${formatShape(idx.shape)} is out of range, expected an integer in [0, ${this.numEmbeddings - 1}]`);
        }
      }
    }
    const flat = reshape(idx.requiresGrad ? idx.detach() : idx, [idx.size]);
    const count = flat.size;
    const dim = this.embeddingDim;
    const weight = this.weight;
    const padding = this.paddingIdx;
    const storage = backend.gather(refOf('Embedding', weight), flat.storage('Embedding'), count, 0);
    const weightShape = weight.shape;
    const out = record({
      name: 'embedding',
      backend,
      storage,
      shape: [count, dim],
      inputs: [weight],
      saved: [flat],
      attrs: { paddingIdx: padding ?? null },
      backward: (g, { saved: [flat] }) => {
        // Positions that looked up the padding row contribute nothing to its gradient (PyTorch's padding_idx).
        const kept = padding === undefined ? g : mul(g, unsqueeze(ne(flat, padding), 1));
        return [fromStorage(backend, backend.scatterAdd(refOf('Embedding', kept), flat.storage('Embedding'), count, 0, weightShape), weightShape)];
      },
    });
    return reshape(out, [...idx.shape, dim]);
  }
}
