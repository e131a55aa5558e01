import type {
  GruStepArgs,
  GruStepBackwardArgs,
  GruStepBackwardResult,
  GruStepResult,
  LstmStepArgs,
  LstmStepBackwardArgs,
  LstmStepBackwardResult,
  LstmStepResult,
} from '@gated/core';
import type { GpujsStorage } from '../gpujs-storage';
import type { GpujsRuntime } from '../runtime';
import { kernelSource, lit } from './source';

/**
 * The fused GRU and LSTM steps of the `Backend` contract as gpu.js kernels. A gpu.js kernel writes
 * one output, so each result tensor is its own kernel (built once per `batch × hiddenSize` and cached
 * like every other kernel); the tensors stay on the device between them.
 *
 * Where one output is a function of another (`h'` of the saved gates, LSTM's `tanh(c')` of the stored
 * `c'`), the later kernel reads the earlier one's output rather than recomputing it, so `h'` agrees
 * with `saved` to the bit, as in the composed reference (core's `recurrent/steps.ts`).
 */

/**
 * Statements that split the thread index over rows of `width` elements made of blocks of `hiddenSize`:
 * `b` (row), `k` (block) and `j` (column in the block). `floor((r + 0.5) / d)` stays exact where a
 * GPU's division is off by an ulp (see `source.ts`).
 */
function blockIndexCode(width: number, hiddenSize: number): string {
  return [
    'let t = this.thread.x;',
    `let b = Math.floor((t + 0.5) / ${lit(width)});`,
    `let col = t - b * ${lit(width)};`,
    `let k = Math.floor((col + 0.5) / ${lit(hiddenSize)});`,
    `let j = col - k * ${lit(hiddenSize)};`,
  ].join('\n  ');
}

/** Statements that split the thread index over `[batch, hiddenSize]`: `b` and `j`. */
function rowIndexCode(hiddenSize: number): string {
  return [
    'let t = this.thread.x;',
    `let b = Math.floor((t + 0.5) / ${lit(hiddenSize)});`,
    `let j = t - b * ${lit(hiddenSize)};`,
  ].join('\n  ');
}

/**
 * Statements that declare `name = σ(x)` for the variable `x`, evaluated as the `sigmoid` unary kernel
 * does (e^(−|x|) never overflows), so that a fused step rounds like the composed one.
 */
function sigmoidCode(name: string, x: string): string {
  return [
    `let ${name} = 0.0;`,
    `let ${name}E = Math.exp(-Math.abs(${x}));`,
    `if (${x} >= 0.0) {`,
    `  ${name} = 1.0 / (1.0 + ${name}E);`,
    '} else {',
    `  ${name} = ${name}E / (1.0 + ${name}E);`,
    '}',
  ].join('\n  ');
}

/**
 * Statements that declare `name = tanh(x)` for the variable `x`, evaluated as the `tanh` unary kernel
 * does: (1 − e^(−2|x|)) / (1 + e^(−2|x|)), and the odd Taylor series to x⁹ below 0.1 where that
 * quotient cancels.
 */
function tanhCode(name: string, x: string): string {
  return [
    `let ${name} = 0.0;`,
    `let ${name}A = Math.abs(${x});`,
    `let ${name}Q = ${x} * ${x};`,
    `let ${name}T = Math.exp(-2.0 * ${name}A);`,
    `if (${name}A < 0.1) {`,
    `  ${name} = ${x} * (1.0 + ${name}Q * (-0.3333333333 + ${name}Q * (0.1333333333 + ${name}Q * (-0.0539682540 + ${name}Q * 0.0218694885))));`,
    '} else {',
    `  ${name} = (1.0 - ${name}T) / (1.0 + ${name}T);`,
    `  if (${x} < 0.0) { ${name} = -${name}; }`,
    '}',
  ].join('\n  ');
}

/** `statements` re-indented one level deeper, for a block inside the kernel body. */
function nested(statements: string): string {
  return statements.split('\n  ').join('\n    ');
}

/** Statements that select `values[k]` by the block index `k` (a float, compared with half-integers). */
function selectByBlock(values: readonly string[]): string {
  const lines = values.slice(0, -1).map((v, i) => `if (k < ${lit(i + 0.5)}) { return ${v}; }`);
  return [...lines, `return ${values[values.length - 1]};`].join('\n  ');
}

/**
 * Runs `kernels` in order, each given the outputs of the earlier ones; if one throws, the outputs
 * already made are released, so a failed step leaks no device memory.
 */
function runAll(runtime: GpujsRuntime, kernels: readonly ((done: readonly GpujsStorage[]) => GpujsStorage)[]): GpujsStorage[] {
  const done: GpujsStorage[] = [];
  try {
    for (const kernel of kernels) done.push(kernel(done));
    return done;
  } catch (error) {
    for (const s of done) runtime.release(s);
    throw error;
  }
}

/**
 * Fused GRU step (reset gate after the hidden matmul, gate order r, z, n) in two kernels: `saved`
 * (`r | z | n | gh_n`, `[batch, 4·hiddenSize]`) from `gx` and `gh`, then `h' = n + z ⊙ (h − n)`
 * (PyTorch's rounding, as the contract asks) from `saved` and `h`.
 */
export function gruStep(runtime: GpujsRuntime, args: GruStepArgs<GpujsStorage>): GruStepResult<GpujsStorage> {
  const { batch, hiddenSize: H } = args;
  const [saved, h] = runAll(runtime, [
    () =>
      runtime.run('gruStep saved', `gruStep:saved:${batch}:${H}`, () => {
        const body = [
          blockIndexCode(4 * H, H),
          `let g = b * ${lit(3 * H)} + j;`,
          // gh_n is copied, not recomputed: the backward needs exactly the value the forward used.
          `if (k > 2.5) { return gh[g + ${lit(2 * H)}]; }`,
          'let az = gx[g + ' + lit(H) + '] + gh[g + ' + lit(H) + '];',
          sigmoidCode('gz', 'az'),
          'if (k > 0.5 && k < 1.5) { return gz; }',
          'let ar = gx[g] + gh[g];',
          sigmoidCode('gr', 'ar'),
          'if (k < 0.5) { return gr; }',
          `let an = gx[g + ${lit(2 * H)}] + gr * gh[g + ${lit(2 * H)}];`,
          tanhCode('gn', 'an'),
          'return gn;',
        ].join('\n  ');
        return { source: kernelSource(['gx', 'gh'], body), size: batch * 4 * H };
      }, [args.gx, args.gh]),
    ([savedGates]) =>
      runtime.run('gruStep h', `gruStep:h:${batch}:${H}`, () => {
        const body = [
          rowIndexCode(H),
          `let s = b * ${lit(4 * H)} + j;`,
          `let z = saved[s + ${lit(H)}];`,
          `let n = saved[s + ${lit(2 * H)}];`,
          'return n + z * (h[t] - n);',
        ].join('\n  ');
        return { source: kernelSource(['saved', 'h'], body), size: batch * H };
      }, [savedGates, args.h]),
  ]);
  return { h, saved };
}

/**
 * Statements that read the saved GRU gates of element (`b`, `j`) and the incoming gradient, and
 * declare `dan` (gradient of n's pre-activation), `dar` and `daz` as the composed backward does.
 */
function gruBackwardCode(H: number): string {
  return [
    `let s = b * ${lit(4 * H)} + j;`,
    `let o = b * ${lit(H)} + j;`,
    'let r = saved[s];',
    `let z = saved[s + ${lit(H)}];`,
    `let n = saved[s + ${lit(2 * H)}];`,
    `let ghn = saved[s + ${lit(3 * H)}];`,
    'let d = dh[o];',
    'let dan = (d * (1.0 - z)) * (1.0 - n * n);',
    'let dar = (dan * ghn) * (r * (1.0 - r));',
    'let daz = (d * (h[o] - n)) * (z * (1.0 - z));',
  ].join('\n  ');
}

/**
 * Fused GRU step backward in three kernels, one per result: `dgx = [dar, daz, dan]`,
 * `dgh = [dar, daz, dan ⊙ r]` (`[batch, 3·hiddenSize]` each) and `dhDirect = dh' ⊙ z`.
 */
export function gruStepBackward(runtime: GpujsRuntime, args: GruStepBackwardArgs<GpujsStorage>): GruStepBackwardResult<GpujsStorage> {
  const { batch, hiddenSize: H } = args;
  const gradient = (which: 'dgx' | 'dgh') => () =>
    runtime.run(`gruStepBackward ${which}`, `gruStepBackward:${which}:${batch}:${H}`, () => {
      const body = [
        blockIndexCode(3 * H, H),
        gruBackwardCode(H),
        selectByBlock(['dar', 'daz', which === 'dgx' ? 'dan' : 'dan * r']),
      ].join('\n  ');
      return { source: kernelSource(['dh', 'h', 'saved'], body), size: batch * 3 * H };
    }, [args.dh, args.h, args.saved]);
  const [dgx, dgh, dhDirect] = runAll(runtime, [
    gradient('dgx'),
    gradient('dgh'),
    () =>
      runtime.run('gruStepBackward dhDirect', `gruStepBackward:dhDirect:${batch}:${H}`, () => {
        const body = [rowIndexCode(H), `return dh[t] * saved[b * ${lit(4 * H)} + j + ${lit(H)}];`].join('\n  ');
        return { source: kernelSource(['dh', 'saved'], body), size: batch * H };
      }, [args.dh, args.saved]),
  ]);
  return { dgx, dgh, dhDirect };
}

/**
 * Fused LSTM step (gate order i, f, g, o) in three kernels: `c' = f ⊙ c + i ⊙ g` from `gx`, `gh` and
 * `c`; `saved` (`i | f | g | o | tanh(c')`, `[batch, 5·hiddenSize]`) from `gx`, `gh` and the stored
 * `c'`, so that `tanh(c')` is of the float32 cell state the next step sees; `h' = o ⊙ tanh(c')` from
 * `saved`.
 */
export function lstmStep(runtime: GpujsRuntime, args: LstmStepArgs<GpujsStorage>): LstmStepResult<GpujsStorage> {
  const { batch, hiddenSize: H } = args;
  const [c, saved, h] = runAll(runtime, [
    () =>
      runtime.run('lstmStep c', `lstmStep:c:${batch}:${H}`, () => {
        const body = [
          rowIndexCode(H),
          `let g = b * ${lit(4 * H)} + j;`,
          'let ai = gx[g] + gh[g];',
          `let af = gx[g + ${lit(H)}] + gh[g + ${lit(H)}];`,
          `let ag = gx[g + ${lit(2 * H)}] + gh[g + ${lit(2 * H)}];`,
          sigmoidCode('gi', 'ai'),
          sigmoidCode('gf', 'af'),
          tanhCode('gg', 'ag'),
          'return gf * c[t] + gi * gg;',
        ].join('\n  ');
        return { source: kernelSource(['gx', 'gh', 'c'], body), size: batch * H };
      }, [args.gx, args.gh, args.c]),
    ([cNext]) =>
      runtime.run('lstmStep saved', `lstmStep:saved:${batch}:${H}`, () => {
        const body = [
          blockIndexCode(5 * H, H),
          `if (k > 3.5) {`,
          `  let cn = cNext[b * ${lit(H)} + j];`,
          `  ${nested(tanhCode('tc', 'cn'))}`,
          '  return tc;',
          '}',
          // One sigmoid serves i, f and o; only the g block (k = 2) is a tanh.
          `let a = gx[b * ${lit(4 * H)} + col] + gh[b * ${lit(4 * H)} + col];`,
          'if (k > 1.5 && k < 2.5) {',
          `  ${nested(tanhCode('gg', 'a'))}`,
          '  return gg;',
          '}',
          sigmoidCode('gs', 'a'),
          'return gs;',
        ].join('\n  ');
        return { source: kernelSource(['gx', 'gh', 'cNext'], body), size: batch * 5 * H };
      }, [args.gx, args.gh, cNext]),
    ([, savedGates]) =>
      runtime.run('lstmStep h', `lstmStep:h:${batch}:${H}`, () => {
        const body = [
          rowIndexCode(H),
          `let s = b * ${lit(5 * H)} + j;`,
          `return saved[s + ${lit(3 * H)}] * saved[s + ${lit(4 * H)}];`,
        ].join('\n  ');
        return { source: kernelSource(['saved'], body), size: batch * H };
      }, [savedGates]),
  ]);
  return { h, c, saved };
}

/**
 * Statements that read the saved LSTM gates of element (`b`, `j`) and declare `dct`, the total
 * gradient into `c'`: `dc + dh ⊙ o ⊙ (1 − tanh²(c'))`.
 */
function lstmBackwardCode(H: number): string {
  return [
    `let s = b * ${lit(5 * H)} + j;`,
    `let o = b * ${lit(H)} + j;`,
    'let gi = saved[s];',
    `let gf = saved[s + ${lit(H)}];`,
    `let gg = saved[s + ${lit(2 * H)}];`,
    `let go = saved[s + ${lit(3 * H)}];`,
    `let tc = saved[s + ${lit(4 * H)}];`,
    'let d = dh[o];',
    'let dct = dc[o] + (d * go) * (1.0 - tc * tc);',
  ].join('\n  ');
}

/**
 * Fused LSTM step backward in two kernels: `dgates = [dct ⊙ g ⊙ i(1 − i), dct ⊙ c ⊙ f(1 − f),
 * dct ⊙ i ⊙ (1 − g²), dh ⊙ tanh(c') ⊙ o(1 − o)]` (`[batch, 4·hiddenSize]`) and `dcPrev = dct ⊙ f`.
 */
export function lstmStepBackward(runtime: GpujsRuntime, args: LstmStepBackwardArgs<GpujsStorage>): LstmStepBackwardResult<GpujsStorage> {
  const { batch, hiddenSize: H } = args;
  const [dgates, dcPrev] = runAll(runtime, [
    () =>
      runtime.run('lstmStepBackward dgates', `lstmStepBackward:dgates:${batch}:${H}`, () => {
        const body = [
          blockIndexCode(4 * H, H),
          lstmBackwardCode(H),
          selectByBlock([
            '(dct * gg) * (gi * (1.0 - gi))',
            '(dct * c[o]) * (gf * (1.0 - gf))',
            '(dct * gi) * (1.0 - gg * gg)',
            '(d * tc) * (go * (1.0 - go))',
          ]),
        ].join('\n  ');
        return { source: kernelSource(['dh', 'dc', 'c', 'saved'], body), size: batch * 4 * H };
      }, [args.dh, args.dc, args.c, args.saved]),
    () =>
      runtime.run('lstmStepBackward dcPrev', `lstmStepBackward:dcPrev:${batch}:${H}`, () => {
        const body = [rowIndexCode(H), lstmBackwardCode(H), 'return dct * gf;'].join('\n  ');
        return { source: kernelSource(['dh', 'dc', 'saved'], body), size: batch * H };
      }, [args.dh, args.dc, args.saved]),
  ]);
  return { dgates, dcPrev };
}
