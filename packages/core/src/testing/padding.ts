import type { Tensor } from '../tensor/tensor';
import { tensor } from '../tensor/creation';
import { Generator } from '../random';

/** A recurrent module as {@link checkPaddingIsNeverRead} drives it: batch-first or not, with `lengths`. */
export interface PaddedRecurrentModule {
  readonly batchFirst: boolean;
  readonly inputSize: number;
  forward(input: Tensor, state: undefined, options: { lengths: readonly number[] }): { output: Tensor; hN: Tensor; cN?: Tensor };
  parameters(): Tensor[];
}

/** What {@link checkPaddingIsNeverRead} found. */
export interface PaddingCheckResult {
  /** Whether outputs, final states and every parameter gradient are bit-identical with and without garbage in the padding. */
  readonly identical: boolean;
  /** The names of what differed (or was not finite). */
  readonly differences: readonly string[];
  /** The input gradient at padded steps, from the run with garbage there (must be all exactly 0). */
  readonly paddedInputGradient: Float32Array;
}

/**
 * Runs `module` forward and backward twice on the same batch with `lengths`: once with zeros at the
 * padded steps and once with `garbage` (NaN, ±∞, huge values) there, and compares everything that
 * comes out: outputs, final states, every parameter's gradient. PyTorch's packed sequences never read
 * padding; neither may a Gated layer.
 */
export function checkPaddingIsNeverRead(
  module: PaddedRecurrentModule,
  seqLen: number,
  lengths: readonly number[],
  garbage: readonly number[] = [NaN, Infinity, -Infinity, 3e38],
): PaddingCheckResult {
  const batch = lengths.length;
  const features = module.inputSize;
  const shape = module.batchFirst ? [batch, seqLen, features] : [seqLen, batch, features];
  const generator = new Generator(11);
  const clean = new Float32Array(batch * seqLen * features);
  const dirty = new Float32Array(clean.length);
  const padded: number[] = [];
  for (let t = 0; t < seqLen; t++) {
    for (let b = 0; b < batch; b++) {
      for (let f = 0; f < features; f++) {
        const i = (module.batchFirst ? (b * seqLen + t) : (t * batch + b)) * features + f;
        if (t < lengths[b]) {
          clean[i] = dirty[i] = generator.nextFloat() * 2 - 1;
        } else {
          dirty[i] = garbage[(t + b + f) % garbage.length];
          padded.push(i);
        }
      }
    }
  }
  const run = (values: Float32Array) => {
    const backend = module.parameters()[0].backend;
    const x = tensor(values, shape, { backend, requiresGrad: true });
    for (const p of module.parameters()) p.zeroGrad();
    const { output, hN, cN } = module.forward(x, undefined, { lengths });
    // A loss that weighs every output and final state differently, so that no gradient cancels.
    let loss = output.mul(output).sum().add(hN.mul(3).sum());
    if (cN !== undefined) loss = loss.add(cN.sum());
    loss.backward();
    const results: [string, Float32Array][] = [
      ['output', output.dataSync()],
      ['hN', hN.dataSync()],
      ...(cN === undefined ? [] : ([['cN', cN.dataSync()]] as [string, Float32Array][])),
      ...module.parameters().map((p, k) => [`grad of parameter ${k}`, p.grad!.dataSync()] as [string, Float32Array]),
    ];
    return { results, inputGrad: x.grad!.dataSync() };
  };
  const a = run(clean);
  const b = run(dirty);
  const differences: string[] = [];
  a.results.forEach(([name, values], k) => {
    const other = b.results[k][1];
    const same = values.length === other.length && values.every((v, i) => Object.is(v, other[i]) && Number.isFinite(v));
    if (!same) differences.push(name);
  });
  const paddedInputGradient = Float32Array.from(padded, (i) => b.inputGrad[i]);
  const isPadded = new Set(padded);
  const validSame = a.inputGrad.every((v, i) => isPadded.has(i) || Object.is(v, b.inputGrad[i]));
  if (!validSame) differences.push('input gradient at valid steps');
  return { identical: differences.length === 0, differences, paddedInputGradient };
}
