import { ValueError } from './errors';
import { describeValue } from './options';

/**
 * A seeded pseudo-random generator (xoshiro128**, seeded through splitmix32). Numbers are produced on
 * the host and uploaded, so the same seed gives the same values on every backend, platform and run.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Re-seeds the generator. `seed` must be a finite integer (only its low 32 bits matter). */
  manualSeed(seed: number): this {
    if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
      throw new ValueError(`manualSeed: seed must be a finite integer, got ${seed}`);
    }
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    this.spareNormal = null;
    return this;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** A float in `[0, 1)` with 24 random bits, so it is exactly representable in float32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** A standard normal sample (Box–Muller; the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * The generator's state, for checkpointing: the four 32-bit words of xoshiro128** and the spare
   * normal sample (`NaN` when there is none).
   */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spareNormal ?? Number.NaN];
  }

  /**
   * Restores a state from {@link Generator.getState}. The state is checked before anything changes:
   * four unsigned 32-bit integers that are not all zero (xoshiro128** maps the all-zero state to
   * itself, so it would return 0 for ever and `randn`, which redraws a uniform 0, would never
   * return), then the spare normal sample as a finite number, or `NaN` / `null` for none (`null` is
   * what `JSON.stringify` makes of `NaN`).
   *
   * @throws ValueError naming the entry and what it holds, for a state that cannot produce random numbers.
   */
  setState(state: readonly (number | null)[]): void {
    if (!Array.isArray(state) || state.length !== 5) {
      throw new ValueError(`Generator.setState: expected the 5 numbers of getState() (4 unsigned 32-bit words and the spare normal), got ${describeValue(state)}`);
    }
    const words = state.slice(0, 4);
    words.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw new ValueError(`Generator.setState: state[${i}] must be an unsigned 32-bit integer, got ${describeValue(v)}`);
      }
    });
    if (words.every((v) => v === 0)) {
      throw new ValueError('Generator.setState: the words state[0..3] are all 0, a state xoshiro128** never leaves (every number would be 0 and randn would never return); use a state from getState() or manualSeed');
    }
    const spare = state[4];
    if (spare !== null && (typeof spare !== 'number' || (!Number.isNaN(spare) && !Number.isFinite(spare)))) {
      throw new ValueError(`Generator.setState: state[4] (the spare normal sample) must be a finite number, NaN or null, got ${describeValue(spare)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = words as number[];
    this.spareNormal = spare === null || Number.isNaN(spare) ? null : spare;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator used when a function is given none. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator: after `manualSeed(s)` every random function gives the same numbers on every backend. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
