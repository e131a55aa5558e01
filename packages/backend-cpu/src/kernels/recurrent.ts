import { sigmoid } from './unary';

/**
 * Fused GRU step (PyTorch's formulation, reset gate applied after the hidden matmul), gate order
 * r, z, n over `[batch, 3·hiddenSize]` projections:
 * `r = σ(gx_r + gh_r)`, `z = σ(gx_z + gh_z)`, `n = tanh(gx_n + r ⊙ gh_n)`, `h' = (1 − z) ⊙ n + z ⊙ h`, evaluated as `n + z ⊙ (h − n)` like PyTorch's aten kernel.
 * Writes `hNext` `[batch, hiddenSize]` and `saved` `[batch, 4·hiddenSize]` = `r | z | n | gh_n`.
 */
export function gruStep(
  gx: Float32Array,
  gh: Float32Array,
  h: Float32Array,
  batch: number,
  hiddenSize: number,
  hNext: Float32Array,
  saved: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const s = b * 4 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[g + j] + gh[g + j]);
      const z = sigmoid(gx[g + H + j] + gh[g + H + j]);
      const ghn = gh[g + 2 * H + j];
      const n = Math.tanh(gx[g + 2 * H + j] + r * ghn);
      hNext[o + j] = n + z * (h[o + j] - n);
      saved[s + j] = r;
      saved[s + H + j] = z;
      saved[s + 2 * H + j] = n;
      saved[s + 3 * H + j] = ghn;
    }
  }
}

/**
 * Backward of {@link gruStep} from `dh` (gradient into `h'`), the previous `h` and `saved`:
 * `dn = dh'(1 − z)`, `dz = dh'(h − n)`, `dan = dn(1 − n²)`, `dar = dan · gh_n · r(1 − r)`,
 * `daz = dz · z(1 − z)`; `dgx = [dar, daz, dan]`, `dgh = [dar, daz, dan · r]`, `dhDirect = dh' · z`.
 */
export function gruStepBackward(
  dh: Float32Array,
  h: Float32Array,
  saved: Float32Array,
  batch: number,
  hiddenSize: number,
  dgx: Float32Array,
  dgh: Float32Array,
  dhDirect: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const s = b * 4 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const r = saved[s + j];
      const z = saved[s + H + j];
      const n = saved[s + 2 * H + j];
      const ghn = saved[s + 3 * H + j];
      const d = dh[o + j];
      const dn = d * (1 - z);
      const dz = d * (h[o + j] - n);
      const dan = dn * (1 - n * n);
      const dar = dan * ghn * r * (1 - r);
      const daz = dz * z * (1 - z);
      dgx[g + j] = dar;
      dgx[g + H + j] = daz;
      dgx[g + 2 * H + j] = dan;
      dgh[g + j] = dar;
      dgh[g + H + j] = daz;
      dgh[g + 2 * H + j] = dan * r;
      dhDirect[o + j] = d * z;
    }
  }
}

/**
 * Fused LSTM step, gate order i, f, g, o over `[batch, 4·hiddenSize]` projections:
 * `i, f, o = σ(·)`, `g = tanh(·)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
 * Writes `hNext`, `cNext` `[batch, hiddenSize]` and `saved` `[batch, 5·hiddenSize]` = `i | f | g | o | tanh(c')`.
 */
export function lstmStep(
  gx: Float32Array,
  gh: Float32Array,
  c: Float32Array,
  batch: number,
  hiddenSize: number,
  hNext: Float32Array,
  cNext: Float32Array,
  saved: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g4 = b * 4 * H;
    const s = b * 5 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(gx[g4 + j] + gh[g4 + j]);
      const fg = sigmoid(gx[g4 + H + j] + gh[g4 + H + j]);
      const gg = Math.tanh(gx[g4 + 2 * H + j] + gh[g4 + 2 * H + j]);
      const og = sigmoid(gx[g4 + 3 * H + j] + gh[g4 + 3 * H + j]);
      // Round c' to float32 before tanh so that tanh(c') matches the stored cell state exactly.
      const cn = Math.fround(fg * c[o + j] + ig * gg);
      const tc = Math.tanh(cn);
      cNext[o + j] = cn;
      hNext[o + j] = og * tc;
      saved[s + j] = ig;
      saved[s + H + j] = fg;
      saved[s + 2 * H + j] = gg;
      saved[s + 3 * H + j] = og;
      saved[s + 4 * H + j] = tc;
    }
  }
}

/**
 * Backward of {@link lstmStep} from `dh` (into `h'`), `dc` (into `c'` from later steps), the previous
 * `c` and `saved`: `dcTotal = dc + dh · o · (1 − tanh²c')`, `do = dh · tanh c'`, `di = dcTotal · g`,
 * `dg = dcTotal · i`, `df = dcTotal · c`, `dcPrev = dcTotal · f`, and
 * `dgates = [di · i(1 − i), df · f(1 − f), dg(1 − g²), do · o(1 − o)]`.
 */
export function lstmStepBackward(
  dh: Float32Array,
  dc: Float32Array,
  c: Float32Array,
  saved: Float32Array,
  batch: number,
  hiddenSize: number,
  dgates: Float32Array,
  dcPrev: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g4 = b * 4 * H;
    const s = b * 5 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const ig = saved[s + j];
      const fg = saved[s + H + j];
      const gg = saved[s + 2 * H + j];
      const og = saved[s + 3 * H + j];
      const tc = saved[s + 4 * H + j];
      const dhj = dh[o + j];
      const dcTotal = dc[o + j] + dhj * og * (1 - tc * tc);
      const dog = dhj * tc;
      dgates[g4 + j] = dcTotal * gg * ig * (1 - ig);
      dgates[g4 + H + j] = dcTotal * c[o + j] * fg * (1 - fg);
      dgates[g4 + 2 * H + j] = dcTotal * ig * (1 - gg * gg);
      dgates[g4 + 3 * H + j] = dog * og * (1 - og);
      dcPrev[o + j] = dcTotal * fg;
    }
  }
}

/**
 * First half of the reset-before GRU step (Cho et al. 2014, Keras `reset_after=False`), after the
 * `[batch, 2·hiddenSize]` product `ghRz = h·W_rzᵀ + b_rz`: `r = σ(gx_r + ghRz_r)`,
 * `z = σ(gx_z + ghRz_z)`. Writes `r | z` into columns 0‥2H of `saved` `[batch, 3·hiddenSize]` and
 * `rh = r ⊙ h` `[batch, hiddenSize]`, the operand of the candidate's hidden product.
 */
export function gruResetBeforeGates(
  gx: Float32Array,
  ghRz: Float32Array,
  h: Float32Array,
  batch: number,
  hiddenSize: number,
  saved: Float32Array,
  rh: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const q = b * 2 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[g + j] + ghRz[q + j]);
      saved[g + j] = r;
      saved[g + H + j] = sigmoid(gx[g + H + j] + ghRz[q + H + j]);
      rh[o + j] = r * h[o + j];
    }
  }
}

/**
 * Second half of the reset-before GRU step, after `ghN = (r ⊙ h)·W_hnᵀ + b_hn` `[batch, hiddenSize]`:
 * `n = tanh(gx_n + ghN)`, `h' = n + z ⊙ (h − n)`. Reads `z` from `saved` and writes `n` into its
 * columns 2H‥3H.
 */
export function gruResetBeforeOutput(
  gx: Float32Array,
  ghN: Float32Array,
  h: Float32Array,
  batch: number,
  hiddenSize: number,
  hNext: Float32Array,
  saved: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const z = saved[g + H + j];
      const n = Math.tanh(gx[g + 2 * H + j] + ghN[o + j]);
      saved[g + 2 * H + j] = n;
      hNext[o + j] = n + z * (h[o + j] - n);
    }
  }
}

/**
 * First half of the reset-before GRU step backward, from `dh` (into `h'`), the previous `h` and
 * `saved` = `r | z | n`: `dan = dh'(1 − z)(1 − n²)` and `daz = dh'(h − n) · z(1 − z)`. Writes `daz` and
 * `dan` into columns H‥3H of `dgx` `[batch, 3·hiddenSize]` (column block 0, `dar`, needs
 * `drh = dan·W_hn` first), `dan` alone into `dan` `[batch, hiddenSize]`, and `dhDirect = dh' ⊙ z`.
 */
export function gruResetBeforeBackwardGates(
  dh: Float32Array,
  h: Float32Array,
  saved: Float32Array,
  batch: number,
  hiddenSize: number,
  dgx: Float32Array,
  dan: Float32Array,
  dhDirect: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const z = saved[g + H + j];
      const n = saved[g + 2 * H + j];
      const d = dh[o + j];
      const an = d * (1 - z) * (1 - n * n);
      dgx[g + H + j] = d * (h[o + j] - n) * z * (1 - z);
      dgx[g + 2 * H + j] = an;
      dan[o + j] = an;
      dhDirect[o + j] = d * z;
    }
  }
}

/**
 * Second half of the reset-before GRU step backward, after `drh = dan·W_hn` (the gradient reaching
 * `r ⊙ h`): `dar = drh ⊙ h ⊙ r(1 − r)` into column block 0 of `dgx`, and `dhDirect += drh ⊙ r`.
 */
export function gruResetBeforeBackwardReset(
  drh: Float32Array,
  h: Float32Array,
  saved: Float32Array,
  batch: number,
  hiddenSize: number,
  dgx: Float32Array,
  dhDirect: Float32Array,
): void {
  const H = hiddenSize;
  for (let b = 0; b < batch; b++) {
    const g = b * 3 * H;
    const o = b * H;
    for (let j = 0; j < H; j++) {
      const r = saved[g + j];
      const d = drh[o + j];
      dgx[g + j] = d * h[o + j] * r * (1 - r);
      dhDirect[o + j] += d * r;
    }
  }
}
