import { add, manualSeed, mul, randn, scope, sum, type Backend, type Tensor } from '@gated/core';
import { GRU } from '@gated/gru';

/** The GRU that the browser check runs: small, but every path (stacking, both directions, `lengths`). */
export const GRU_CHECK = {
  seed: 7,
  inputSize: 3,
  hiddenSize: 5,
  numLayers: 2,
  bidirectional: true,
  seqLen: 4,
  batch: 2,
  /** One full and one shorter sequence, so that masking and the reversed direction's offsets run too. */
  lengths: [4, 3],
} as const;

/** Every number one run of {@link runGruCheck} produces, as plain arrays (they cross `page.evaluate`). */
export interface GruCheckValues {
  /** The backend's name, e.g. `gpujs:webgl2` or `cpu`. */
  readonly backend: string;
  /** `output`, `[seqLen, batch, 2 · hiddenSize]`, flattened. */
  readonly output: number[];
  /** `hN`, `[numLayers · 2, batch, hiddenSize]`, flattened. */
  readonly hN: number[];
  readonly loss: number;
  /** The gradient of `loss` for every parameter (PyTorch names) and for `input`, flattened. */
  readonly gradients: Record<string, number[]>;
}

/**
 * Builds the {@link GRU_CHECK} GRU on `backend` from a seeded default generator, runs it forward
 * and backward, and reads every result back.
 *
 * @remarks The initial weights, the input and the loss weights all come from `manualSeed`, which
 * draws on the host, so any two backends start from the same numbers. The loss,
 * `Σ output ⊙ W₁ + Σ hN ⊙ W₂` with random `W`, gives every output element its own gradient.
 */
export function runGruCheck(backend: Backend): GruCheckValues {
  const { seed, inputSize, hiddenSize, numLayers, bidirectional, seqLen, batch, lengths } = GRU_CHECK;
  // A scope frees every device texture of the run; only plain arrays leave it.
  return scope(() => {
    manualSeed(seed);
    const gru = new GRU({ inputSize, hiddenSize, numLayers, bidirectional, backend });
    const input = randn([seqLen, batch, inputSize], { backend, requiresGrad: true });
    const { output, hN } = gru.forward(input, null, { lengths });
    const outputWeights = randn([...output.shape], { backend });
    const stateWeights = randn([...hN.shape], { backend });
    const loss = add(sum(mul(output, outputWeights)), sum(mul(hN, stateWeights)));
    loss.backward();

    const gradients: Record<string, number[]> = { input: gradientOf(input, 'input') };
    for (const [name, parameter] of gru.namedParameters()) gradients[name] = gradientOf(parameter, name);
    return {
      backend: backend.name,
      output: Array.from(output.dataSync()),
      hN: Array.from(hN.dataSync()),
      loss: loss.dataSync()[0],
      gradients,
    };
  });
}

function gradientOf(t: Tensor, name: string): number[] {
  if (t.grad === null) throw new Error(`GRU check: ${name} has no gradient after backward()`);
  return Array.from(t.grad.dataSync());
}
