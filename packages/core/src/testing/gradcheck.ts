import type { Backend } from '../backend/backend';
import { noGrad, withGradMode } from '../autograd/grad-mode';
import { Generator } from '../random';
import { tensor } from '../tensor/creation';
import type { Tensor } from '../tensor/tensor';
import { mul, sum } from '../ops';
import { Float64Tensor } from './reference';
import { TOLERANCE, isClose, type Tolerance } from './tolerance';

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /**
   * The same function written on float64 arrays. With it, the numerical gradient is a central
   * difference of this reference in float64 (step `1e-6`), so float32 noise cannot mask an error in
   * the analytic gradient; without it, the float32 function itself is differenced (step `1e-2`).
   */
  reference?: (...inputs: Float64Tensor[]) => Float64Tensor;
  /** Which inputs to check (others are treated as constants). @defaultValue every input */
  checkInputs?: readonly number[];
  /** @defaultValue `TOLERANCE.gradcheck` with a reference, else `TOLERANCE.gradcheckFloat32` */
  tolerance?: Tolerance;
  /** Seed of the random output weights. @defaultValue 1234 */
  seed?: number;
  /** Label for error messages. */
  label?: string;
}

/** Result of a passing {@link gradcheck}. */
export interface GradcheckResult {
  /** Largest absolute difference between analytic and numerical gradients. */
  readonly maxAbsError: number;
  /** Number of gradient entries compared. */
  readonly checked: number;
}

/**
 * Checks the autograd gradients of `fn` at `inputs` against finite differences.
 *
 * The scalar whose gradient is checked is `Σ fn(inputs) ⊙ W` with fixed random weights `W`, so every
 * output element and every output-gradient entry matters. Throws an `Error` naming the input, the
 * element and both values at the first mismatch.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const label = options.label ?? 'gradcheck';
  const backend: Backend = inputs[0].backend;
  const checkInputs = options.checkInputs ?? inputs.map((_, i) => i);
  const tolerance = options.tolerance ?? (options.reference ? TOLERANCE.gradcheck : TOLERANCE.gradcheckFloat32);
  const hostInputs = inputs.map((t) => Float64Array.from(t.dataSync()));
  const shapes = inputs.map((t) => t.shape);

  const probe = noGrad(() => fn(...inputs));
  const outShape = probe.shape;
  probe.dispose();
  const generator = new Generator(options.seed ?? 1234);
  const weights = Float64Array.from({ length: outShape.reduce((a, b) => a * b, 1) }, () => 0.5 + generator.nextFloat());

  // Analytic gradients.
  const analytic = withGradMode(true, () => {
    const leaves = inputs.map((t, i) => tensor(t.dataSync(), t.shape, { backend, requiresGrad: checkInputs.includes(i) }));
    const out = fn(...leaves);
    const loss = sum(mul(out, tensor(Float32Array.from(weights), outShape, { backend })));
    if (!loss.requiresGrad) throw new Error(`${label}: the function's output does not depend on any checked input`);
    loss.backward();
    return leaves.map((l) => (l.grad ? Float64Array.from(l.grad.dataSync()) : null));
  });

  const weighted = (values: ArrayLike<number>): number => {
    let s = 0;
    for (let i = 0; i < weights.length; i++) s += values[i] * weights[i];
    return s;
  };
  const evaluate = (hosts: Float64Array[]): number => {
    if (options.reference) {
      return weighted(options.reference(...hosts.map((h, i) => new Float64Tensor(shapes[i], h))).data);
    }
    return noGrad(() => {
      const ts = hosts.map((h, i) => tensor(Float32Array.from(h), shapes[i], { backend }));
      const out = fn(...ts);
      const values = out.dataSync();
      out.dispose();
      for (const t of ts) t.dispose();
      return weighted(values);
    });
  };

  const step = options.reference ? 1e-6 : 1e-2;
  let maxAbsError = 0;
  let checked = 0;
  for (const i of checkInputs) {
    const got = analytic[i];
    if (got === null) throw new Error(`${label}: input ${i} received no gradient`);
    for (let j = 0; j < hostInputs[i].length; j++) {
      const original = hostInputs[i][j];
      const perturbed = hostInputs.map((h) => h.slice());
      perturbed[i][j] = original + step;
      const plus = evaluate(perturbed);
      perturbed[i][j] = original - step;
      const minus = evaluate(perturbed);
      const numeric = (plus - minus) / (2 * step);
      const error = Math.abs(got[j] - numeric);
      maxAbsError = Math.max(maxAbsError, error);
      checked++;
      if (!isClose(got[j], numeric, tolerance)) {
        throw new Error(
          `${label}: gradient of input ${i} (shape [${shapes[i].join(', ')}]) at element ${j}: autograd gives ${got[j]}, finite differences give ${numeric} (atol=${tolerance.atol}, rtol=${tolerance.rtol})`,
        );
      }
    }
  }
  // A check of no element would pass whatever the backward does.
  if (checked === 0) throw new Error(`${label}: no element was checked (checkInputs ${JSON.stringify(checkInputs)} selects no non-empty input)`);
  return { maxAbsError, checked };
}
