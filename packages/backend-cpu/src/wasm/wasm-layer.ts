import type { LayerGradients, LayerInput, LayerProblem } from '../kernels/recurrent-layer';
import { MemoryPlan, WasmKernels, type ThreadTask } from './wasm-kernels';
import { splitRange, type KernelThreads } from './thread-pool';

/** Whether {@link WasmLayer} runs this problem: the PyTorch GRU or the LSTM, with `hiddenSize % 4 = 0` (whole f32x4 vectors). */
export function wasmLayerRuns(p: LayerProblem): boolean {
  return (p.cell === 'gru' || p.cell === 'lstm') && p.hiddenSize % 4 === 0;
}

/** Per-thread scratch of the sgemm: the A panel (`16·k` bytes) and the 4×8 edge tile. */
interface Scratch {
  readonly pa: number;
  readonly tile: number;
}

/**
 * Tasks that pack the `[k, n]` matrix B (element `(p, j)` at byte `b + 4·(p·sp + j·sj)`) into the
 * 8-column panels of `dst`, the panels shared among `threads` threads.
 */
function packTasks(b: number, sp: number, sj: number, k: number, n: number, dst: number, threads: number): ThreadTask[][] {
  return splitRange(Math.ceil(n / 8), threads, 1).map(([p0, count]) => [
    { fn: 'pack_b', args: [b + 4 * 8 * p0 * sj, sp, sj, k, Math.min(n, 8 * (p0 + count)) - 8 * p0, dst + 32 * k * p0] },
  ]);
}

/**
 * Tasks of `C[m, n] = A·B` (A element `(i, p)` at byte `a + 4·(i·si + p·sp)`, B packed at `pb`, C row
 * stride `ldc`), the rows of C shared among the threads of `scratch`.
 */
function gemmTasks(m: number, n: number, k: number, a: number, si: number, sp: number, pb: number, c: number, ldc: number, scratch: readonly Scratch[]): ThreadTask[][] {
  return splitRange(m, scratch.length, 4).map(([i0, rows], t) => [
    { fn: 'gemm', args: [rows, n, k, a + 4 * i0 * si, si, sp, pb, c + 4 * i0 * ldc, ldc, 0, scratch[t].pa, scratch[t].tile] },
  ]);
}

/** Tasks of the column sums of `A[rows, cols]` (row stride `lda`) into `out`, the columns shared in blocks of 16. */
function colsumTasks(a: number, rows: number, cols: number, lda: number, out: number, threads: number): ThreadTask[][] {
  return splitRange(cols, threads, 16).map(([j0, count]) => [{ fn: 'colsum', args: [a + 4 * j0, rows, count, lda, out + 4 * j0] }]);
}

/** Job lists merged thread by thread: `merge(a, b)[k]` runs `a[k]` then `b[k]`. */
function merge(...lists: ThreadTask[][][]): ThreadTask[][] {
  const out: ThreadTask[][] = [];
  for (const list of lists) list.forEach((tasks, k) => (out[k] ??= []).push(...tasks));
  return out;
}

/**
 * The whole-layer GRU / LSTM of the WebAssembly kernel sets: the time loop of every step runs inside
 * the module (`gru_layer_forward` and friends: per step the input projection of the step when given
 * `x`, the `h·W_hhᵀ` sgemm, the fused gate math with both biases, the masked state update), and the
 * batch rows are split among threads, each running the loop for its own rows: a row's recurrence
 * never reads another row, so the threads need no synchronisation until the end, and the result is
 * the same whatever the split. The backward's products over all steps (`dW_hh`, `dW_ih`, `dX`) and
 * the bias sums run after the loop, their rows (or columns) split among the threads.
 */
export class WasmLayer {
  readonly #kernels: WasmKernels;
  readonly #threads: KernelThreads;

  constructor(kernels: WasmKernels, threads: KernelThreads) {
    this.#kernels = kernels;
    this.#threads = threads;
  }

  #put(at: number, values: Float32Array | null, size: number): void {
    const f = this.#kernels.f32;
    if (values === null) f.fill(0, at / 4, at / 4 + size);
    else f.set(values.subarray(0, size), at / 4);
  }

  #take(at: number, size: number, allocate: (size: number) => Float32Array): Float32Array {
    const out = allocate(size);
    out.set(this.#kernels.f32.subarray(at / 4, at / 4 + size));
    return out;
  }

  /** The forward of one layer and direction; same contract as `recurrentLayerForward`. */
  forward(
    p: LayerProblem,
    gx: Float32Array | null,
    input: LayerInput | null,
    h0: Float32Array,
    c0: Float32Array | null,
    keepForBackward: boolean,
    allocate: (size: number) => Float32Array,
  ): { packed: Float32Array; saved: Float32Array[] } {
    const { cell, seqLen: T, batch: B, hiddenSize: H, mask } = p;
    const lstm = cell === 'lstm';
    const GH = (lstm ? 4 : 3) * H;
    const S = (lstm ? 5 : 4) * H;
    const I = input?.inputSize ?? 0;
    const threads = this.#threads.threadsFor(Math.ceil(B / 4), T * B * GH * (H + I));
    const parts = splitRange(B, threads, 4);
    const m = new MemoryPlan();
    const at = {
      x: input === null ? 0 : m.floats(T * B * I),
      wih: input === null ? 0 : m.floats(GH * I),
      wip: input === null ? 0 : m.bytes(WasmKernels.packedBBytes(I, GH)),
      // The input form projects one step at a time into a [B, G·H] scratch; the gx form walks gx.
      gx: m.floats((input === null ? T : 1) * B * GH),
      bx: m.floats(GH),
      bh: m.floats(GH),
      whh: m.floats(GH * H),
      wp: m.bytes(WasmKernels.packedBBytes(H, GH)),
      hs: m.floats((T + 1) * B * H),
      cs: lstm ? m.floats((T + 1) * B * H) : 0,
      // Inference keeps one step's gate values (overwritten every step).
      saved: m.floats((keepForBackward ? T : 1) * B * S),
      out: m.floats(T * B * H),
      gh: m.floats(B * GH),
      hn: m.floats(B * H),
      cn: lstm ? m.floats(B * H) : 0,
      mask: mask === null ? 0 : m.floats(T * B),
    };
    const scratch = parts.map((): Scratch => ({ pa: m.bytes(16 * Math.max(I, H)), tile: m.bytes(128) }));
    this.#kernels.ensure(m.size);
    if (input === null) this.#put(at.gx, gx, T * B * GH);
    else {
      this.#put(at.x, input.x, T * B * I);
      this.#put(at.wih, input.weightIh, GH * I);
    }
    this.#put(at.bx, input?.biasIh ?? null, GH);
    this.#put(at.bh, p.biasHh, GH);
    this.#put(at.whh, p.weightHh, GH * H);
    this.#put(at.hs, h0, B * H);
    if (lstm) this.#put(at.cs, c0, B * H);
    if (mask !== null) this.#put(at.mask, mask, T * B);
    const ex = this.#kernels.exports;
    // W_hhᵀ and W_ihᵀ as the sgemm's B operand: element (p, j) is W[j, p].
    ex.pack_b(at.whh, 1, H, H, GH, at.wp);
    if (input !== null) ex.pack_b(at.wih, 1, I, I, GH, at.wip);

    const jobs = parts.map(([b0, R], k): ThreadTask[] => {
      const { pa, tile } = scratch[k];
      const rows = (base: number, width: number) => base + 4 * b0 * width;
      const maskAt = mask === null ? 0 : rows(at.mask, 1);
      const head = [T, B, R, H, I, keepForBackward ? 1 : 0, rows(at.x, I), at.wip, rows(at.gx, GH), at.bx, at.wp, at.bh, rows(at.hs, H)];
      return [
        lstm
          ? { fn: 'lstm_layer_forward', args: [...head, rows(at.cs, H), rows(at.saved, S), rows(at.out, H), maskAt, rows(at.gh, GH), rows(at.hn, H), rows(at.cn, H), pa, tile] }
          : { fn: 'gru_layer_forward', args: [...head, rows(at.saved, S), rows(at.out, H), maskAt, rows(at.gh, GH), rows(at.hn, H), pa, tile] },
      ];
    });
    this.#threads.run(jobs);

    // Packed output: [outputs of every step | h_T | c_T].
    const BH = B * H;
    const packed = allocate((T + (lstm ? 2 : 1)) * BH);
    const f = this.#kernels.f32;
    packed.set(f.subarray(at.out / 4, at.out / 4 + T * BH));
    packed.set(f.subarray(at.hs / 4 + T * BH, at.hs / 4 + (T + 1) * BH), T * BH);
    if (lstm) packed.set(f.subarray(at.cs / 4 + T * BH, at.cs / 4 + (T + 1) * BH), (T + 1) * BH);
    const saved: Float32Array[] = [];
    if (keepForBackward) {
      saved.push(this.#take(at.hs, T * BH, allocate));
      if (lstm) saved.push(this.#take(at.cs, T * BH, allocate));
      saved.push(this.#take(at.saved, T * B * S, allocate));
    }
    return { packed, saved };
  }

  /** Backpropagation through time for {@link WasmLayer.forward}; same contract as `recurrentLayerBackward`. */
  backward(p: LayerProblem, input: LayerInput | null, saved: readonly Float32Array[], gradPacked: Float32Array, allocate: (size: number) => Float32Array): LayerGradients {
    const { cell, seqLen: T, batch: B, hiddenSize: H, mask } = p;
    const lstm = cell === 'lstm';
    const GH = (lstm ? 4 : 3) * H;
    const S = (lstm ? 5 : 4) * H;
    const I = input?.inputSize ?? 0;
    const TB = T * B;
    const BH = B * H;
    // The loop (2·G·H·H per row and step) and the products after it (G·H·(H + 2·I) per row and step).
    const threads = this.#threads.threadsFor(Math.ceil(B / 4), TB * GH * (2 * H + 2 * I));
    const parts = splitRange(B, threads, 4);
    const m = new MemoryPlan();
    const at = {
      dout: m.floats(TB * H),
      dh: m.floats(BH),
      dc: lstm ? m.floats(BH) : 0,
      hs: m.floats(TB * H),
      cs: lstm ? m.floats(TB * H) : 0,
      saved: m.floats(TB * S),
      whh: m.floats(GH * H),
      wp: m.bytes(WasmKernels.packedBBytes(GH, H)),
      dgx: m.floats(TB * GH),
      // The LSTM's gx and gh gradients are equal: one array.
      dgh: lstm ? 0 : m.floats(TB * GH),
      dtot: m.floats(BH),
      direct: m.floats(BH),
      dcprev: lstm ? m.floats(BH) : 0,
      mask: mask === null ? 0 : m.floats(TB),
      dwhh: m.floats(GH * H),
      hsPacked: m.bytes(WasmKernels.packedBBytes(TB, H)),
      dbhh: m.floats(GH),
      dbih: m.floats(GH),
      x: input === null ? 0 : m.floats(TB * I),
      wih: input === null ? 0 : m.floats(GH * I),
      xPacked: input === null ? 0 : m.bytes(WasmKernels.packedBBytes(TB, I)),
      wihPacked: input === null ? 0 : m.bytes(WasmKernels.packedBBytes(GH, I)),
      dwih: input === null ? 0 : m.floats(GH * I),
      dx: input === null ? 0 : m.floats(TB * I),
    };
    const dgh = lstm ? at.dgx : at.dgh;
    const scratch = Array.from({ length: Math.max(1, threads) }, (): Scratch => ({ pa: m.bytes(16 * Math.max(TB, GH, H)), tile: m.bytes(128) }));
    this.#kernels.ensure(m.size);
    this.#put(at.dout, gradPacked, TB * H);
    this.#put(at.dh, gradPacked.subarray(TB * H), BH);
    if (lstm) this.#put(at.dc, gradPacked.subarray((T + 1) * BH), BH);
    this.#put(at.hs, saved[0], TB * H);
    if (lstm) this.#put(at.cs, saved[1], TB * H);
    this.#put(at.saved, saved[lstm ? 2 : 1], TB * S);
    this.#put(at.whh, p.weightHh, GH * H);
    if (mask !== null) this.#put(at.mask, mask, TB);
    if (input !== null) {
      this.#put(at.x, input.x, TB * I);
      this.#put(at.wih, input.weightIh, GH * I);
    }
    // W_hh as it is ([G·H, H]) for dh_{t−1} = dgh_t·W_hh.
    this.#kernels.exports.pack_b(at.whh, H, 1, GH, H, at.wp);

    // Phase 1: each thread runs the time loop for its rows, then packs its share of the operands
    // of the products (they do not depend on the loop).
    const loops = parts.map(([b0, R], k): ThreadTask[] => {
      const { pa, tile } = scratch[k];
      const rows = (base: number, width: number) => base + 4 * b0 * width;
      const maskAt = mask === null ? 0 : rows(at.mask, 1);
      return [
        lstm
          ? {
              fn: 'lstm_layer_backward',
              args: [T, B, R, H, rows(at.dout, H), rows(at.cs, H), rows(at.saved, S), at.wp, rows(at.dgx, GH), rows(at.dh, H), rows(at.dc, H), rows(at.dtot, H), rows(at.direct, H), rows(at.dcprev, H), maskAt, pa, tile],
            }
          : {
              fn: 'gru_layer_backward',
              args: [T, B, R, H, rows(at.dout, H), rows(at.hs, H), rows(at.saved, S), at.wp, rows(at.dgx, GH), rows(at.dgh, GH), rows(at.dh, H), rows(at.dtot, H), rows(at.direct, H), maskAt, pa, tile],
            },
      ];
    });
    const n = scratch.length;
    const packs = [packTasks(at.hs, H, 1, TB, H, at.hsPacked, n)];
    if (input !== null) packs.push(packTasks(at.x, I, 1, TB, I, at.xPacked, n), packTasks(at.wih, I, 1, GH, I, at.wihPacked, n));
    this.#threads.run(merge(loops, ...packs));

    // Phase 2: dW_hh = Σ_t dgh_tᵀ·h_{t−1} (A = dghᵀ, read transposed in place), the bias sums, and for
    // the input form dW_ih = dgxᵀ·x and dX = dgx·W_ih.
    const products = [gemmTasks(GH, H, TB, dgh, 1, GH, at.hsPacked, at.dwhh, H, scratch)];
    if (p.biasHh !== null) products.push(colsumTasks(dgh, TB, GH, GH, at.dbhh, n));
    if (input !== null) {
      products.push(gemmTasks(GH, I, TB, at.dgx, 1, GH, at.xPacked, at.dwih, I, scratch), gemmTasks(TB, I, GH, at.dgx, GH, 1, at.wihPacked, at.dx, I, scratch));
      if (input.biasIh !== null && !(lstm && p.biasHh !== null)) products.push(colsumTasks(at.dgx, TB, GH, GH, at.dbih, n));
    }
    this.#threads.run(merge(...products));

    const take = (where: number, size: number) => this.#take(where, size, allocate);
    const inputBias = input !== null && input.biasIh !== null ? take(lstm && p.biasHh !== null ? at.dbhh : at.dbih, GH) : null;
    return {
      gradGx: input === null ? take(at.dgx, TB * GH) : null,
      gradX: input === null ? null : take(at.dx, TB * I),
      gradWeightIh: input === null ? null : take(at.dwih, GH * I),
      gradBiasIh: inputBias,
      gradH0: take(at.dh, BH),
      gradC0: lstm ? take(at.dc, BH) : null,
      gradWeightHh: take(at.dwhh, GH * H),
      gradBiasHh: p.biasHh === null ? null : take(at.dbhh, GH),
    };
  }
}
