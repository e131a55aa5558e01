import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GRU_CELL, Generator, LSTM_CELL, SGD, add, matmulTransposed, mean, mul, randn, recurrentLayer, sum, type RecurrentCell, type Tensor } from '@gated/core';
import { TOLERANCE, assertClose, measureTrainingMemory } from '@gated/core/testing';
import { skipWithReason } from '../../../../vitest.skip';
import { CpuBackend } from '../cpu-backend';
import { KERNEL_SETS_UNDER_TEST } from '../kernel-sets-under-test';
import { MIN_WORK_PER_THREAD, ThreadPool, splitRange } from './thread-pool';
import { WasmKernels } from './wasm-kernels';

const wasmSets = KERNEL_SETS_UNDER_TEST.filter((k) => k !== 'js');

describe('splitRange', () => {
  it('splits rows into aligned parts, the last taking the rest; none for nothing', () => {
    expect(splitRange(32, 2, 4)).toEqual([
      [0, 16],
      [16, 16],
    ]);
    expect(splitRange(13, 2, 4)).toEqual([
      [0, 8],
      [8, 5],
    ]);
    expect(splitRange(3, 4, 4)).toEqual([[0, 3]]);
    expect(splitRange(0, 2, 4)).toEqual([]);
    expect(splitRange(384, 3, 16)).toEqual([
      [0, 128],
      [128, 128],
      [256, 128],
    ]);
  });
});

// Big enough (27M multiply-adds forward) that the layer and its backward products are split across
// two threads; an uneven batch (8 + 5 rows), lengths including 0 and the full length.
const [T, B, I, H] = [40, 13, 5, 128];
const lengths = [40, 3, 0, 17, 40, 1, 39, 8, 40, 22, 5, 40, 12];
const mask = Float32Array.from({ length: T * B }, (_, i) => (Math.floor(i / B) < lengths[i % B] ? 1 : 0));

/** Values and gradients of one layer on `backend` (same seeds every time). */
function layerRun(backend: CpuBackend, cell: RecurrentCell, form: 'gx' | 'input', masked: boolean): Float32Array[] {
  const G = cell.gateCount;
  const leaf = (shape: number[], seed: number) => randn(shape, { backend, generator: new Generator(seed), requiresGrad: true });
  const gx = leaf([T, B, G * H], 1);
  const input = { x: leaf([T, B, I], 2), weightIh: leaf([G * H, I], 3), biasIh: leaf([G * H], 4) };
  const state = { h0: leaf([B, H], 5), c0: cell.hasCellState ? leaf([B, H], 6) : null, weightHh: leaf([G * H, H], 7), biasHh: leaf([G * H], 8) };
  const r = recurrentLayer(cell, { ...state, ...(form === 'gx' ? { gx } : { input }), mask: masked ? mask : null });
  const weighted = (t: Tensor, seed: number) => sum(mul(t, randn([...t.shape], { backend, generator: new Generator(seed) })));
  let loss = add(weighted(r.output, 9), weighted(r.h, 10));
  if (r.c !== null) loss = add(loss, weighted(r.c, 11));
  loss.backward();
  const leaves = [...(form === 'gx' ? [gx] : [input.x, input.weightIh, input.biasIh]), state.h0, state.weightHh, state.biasHh, ...(state.c0 === null ? [] : [state.c0])];
  return [r.output, r.h, ...(r.c === null ? [] : [r.c]), ...leaves.map((t) => t.grad as Tensor)].map((t) => t.dataSync());
}

for (const kernels of wasmSets) {
  describe(`worker threads (${kernels})`, () => {
    let one: CpuBackend;
    let two: CpuBackend;
    beforeAll(async () => {
      one = new CpuBackend({ kernels, threads: 1 });
      two = new CpuBackend({ kernels, threads: 2 });
      await two.startThreads();
    });
    afterAll(() => two.stopThreads());

    it('leave a call below MIN_WORK_PER_THREAD per thread on the calling thread', () => {
      const spy = vi.spyOn(ThreadPool.prototype, 'run');
      try {
        // 9.4M multiply-adds: the bench's small GRU forward.
        const x = randn([32, 16, 32], { backend: two, generator: new Generator(1) });
        recurrentLayer(GRU_CELL, { input: { x, weightIh: randn([192, 32], { backend: two }), biasIh: null }, h0: randn([16, 64], { backend: two }), c0: null, weightHh: randn([192, 64], { backend: two }), biasHh: null, mask: null });
        expect(spy).not.toHaveBeenCalled();
        expect(MIN_WORK_PER_THREAD).toBeGreaterThan((32 * 16 * 192 * 96) / 2);
      } finally {
        spy.mockRestore();
      }
    });

    it('start where SharedArrayBuffer exists, and report how many run', async () => {
      expect(typeof SharedArrayBuffer).toBe('function');
      expect(two.threads).toBe(2);
      expect(await one.startThreads()).toBe(1);
      expect(one.threads).toBe(1);
    });

    for (const [label, cell] of [
      ['GRU', GRU_CELL],
      ['LSTM', LSTM_CELL],
    ] as const) {
      for (const form of ['gx', 'input'] as const) {
        for (const masked of [false, true]) {
          it(`${label}, ${form} form${masked ? ', with lengths' : ''}: split across two threads, values and gradients are bit-identical to one thread`, () => {
            const spy = vi.spyOn(ThreadPool.prototype, 'run');
            try {
              const split = layerRun(two, cell, form, masked);
              // The forward's time loop, the backward's time loop and its products each ran as two jobs.
              expect(spy.mock.calls.length).toBeGreaterThanOrEqual(3);
              for (const [jobs] of spy.mock.calls) expect(jobs.length).toBe(2);
              const single = layerRun(one, cell, form, masked);
              split.forEach((v, i) => assertClose(v, single[i], TOLERANCE.exact, `${label} tensor ${i}`));
            } finally {
              spy.mockRestore();
            }
          });
        }
      }
    }

    it('matMul: a large product is split across two threads, bit-identical to one thread', () => {
      const spy = vi.spyOn(ThreadPool.prototype, 'run');
      try {
        const product = (backend: CpuBackend, transposeA: boolean, transposeB: boolean) => {
          const [m, n, k] = [203, 130, 700];
          const a = randn(transposeA ? [k, m] : [m, k], { backend, generator: new Generator(1) });
          const b = randn(transposeB ? [n, k] : [k, n], { backend, generator: new Generator(2) });
          return matmulTransposed(a, b, transposeA, transposeB).dataSync();
        };
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const calls = spy.mock.calls.length;
          const split = product(two, ta, tb);
          expect(spy.mock.calls.length).toBe(calls + 1);
          expect(spy.mock.calls[calls][0]).toHaveLength(2);
          assertClose(split, product(one, ta, tb), TOLERANCE.exact, `matMul transposeA=${ta} transposeB=${tb}`);
        }
      } finally {
        spy.mockRestore();
      }
    });

    it('a plain training loop split across threads keeps memory flat over 300 steps (workspace reused, nothing accumulated)', async () => {
      const backend = new CpuBackend({ kernels, threads: 2 });
      expect(await backend.startThreads()).toBe(2);
      const [T2, B2, I2, H2] = [24, 16, 16, 128];
      const leaf = (shape: number[], seed: number) => randn(shape, { backend, generator: new Generator(seed), requiresGrad: true });
      const params = [leaf([3 * H2, I2], 1), leaf([3 * H2], 2), leaf([3 * H2, H2], 3), leaf([3 * H2], 4)];
      const [weightIh, biasIh, weightHh, biasHh] = params;
      const x = randn([T2, B2, I2], { backend, generator: new Generator(5) });
      const h0 = randn([B2, H2], { backend, generator: new Generator(6) });
      const optimizer = new SGD(params, { lr: 1e-3 });
      const spy = vi.spyOn(ThreadPool.prototype, 'run');
      // A user's loop: no scope, no await, nothing disposed.
      const step = () => {
        const r = recurrentLayer(GRU_CELL, { input: { x, weightIh, biasIh }, h0, c0: null, weightHh, biasHh, mask: null });
        const loss = mean(mul(r.output, r.output));
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      };
      try {
        for (let i = 0; i < 5; i++) step();
        // The layer's workspace in wasm memory has its size after the first steps: it never grows again.
        const grow = vi.spyOn(WebAssembly.Memory.prototype, 'grow');
        const report = await measureTrainingMemory(backend, step, 300);
        expect(grow, 'wasm memory grown during the loop').not.toHaveBeenCalled();
        grow.mockRestore();
        // Every step split its forward and its backward (loop, then products) across the two threads.
        expect(spy.mock.calls.length).toBeGreaterThanOrEqual(3 * 325);
        expect(spy.mock.calls.every(([jobs]) => jobs.length === 2)).toBe(true);
        expect(report.arrayBufferGrowth, 'typed-array bytes kept by the loop').toBeLessThan(2 * 1024 * 1024);
        expect(report.afterSteps.liveStorages - report.baseline.liveStorages, 'live storages once finalizers ran').toBeLessThanOrEqual(0);
      } finally {
        spy.mockRestore();
        backend.stopThreads();
      }
    }, 120_000);

    it('a worker that fails to start leaves the caller alone: start resolves 1 and jobs run on the caller', async () => {
      const wasm = WasmKernels.create(kernels === 'wasm-relaxed');
      // Not a compiled module: the worker's instantiation throws.
      const broken = { shared: true, module: { notAModule: true }, memory: wasm.memory, runOnCaller: (jobs: never) => wasm.runOnCaller(jobs) } as unknown as WasmKernels;
      const pool = new ThreadPool(broken, 2, 2);
      expect(await pool.start()).toBe(1);
      expect(pool.running).toBe(1);
      wasm.ensure(1 << 16);
      wasm.f32.fill(1, 256, 256 + 16);
      wasm.packB(256, 4, 1, 4, 4, 4096);
      pool.run([[], [{ fn: 'gemm', args: [4, 4, 4, 4 * 256, 4, 1, 4096, 4 * 2048, 4, 0, 8192, 9216] }]]);
      expect(Array.from(wasm.f32.subarray(2048, 2048 + 16))).toEqual(new Array(16).fill(4));
    });

    it('a kernel that traps in a worker is an Error naming the worker, and the pool keeps working', async () => {
      const wasm = WasmKernels.create(kernels === 'wasm-relaxed');
      const pool = new ThreadPool(wasm, 2, 2);
      try {
        expect(await pool.start()).toBe(2);
        wasm.ensure(1 << 16);
        const outOfMemory = 0x7fff0000;
        const trap = { fn: 'gemm', args: [4, 8, 4, outOfMemory, 4, 1, 1024, 2048, 8, 0, 4096, 8192] } as const;
        expect(() => pool.run([[], [trap]])).toThrow(/a kernel failed in worker 1/);
        // A product on both threads afterwards: rows 0–3 on the caller, 4–7 on the worker.
        const f = wasm.f32;
        f.fill(1, 256, 256 + 8 * 4);
        wasm.packB(256, 4, 1, 4, 4, 4096);
        const gemm = (row: number, pa: number) => ({ fn: 'gemm' as const, args: [4, 4, 4, 4 * (256 + 4 * row), 4, 1, 4096, 4 * (2048 + 4 * row), 4, 0, pa, pa + 1024] });
        pool.run([[gemm(0, 8192)], [gemm(4, 12288)]]);
        expect(Array.from(wasm.f32.subarray(2048, 2048 + 32))).toEqual(new Array(32).fill(4));
      } finally {
        pool.close();
      }
    });
  });
}

if (wasmSets.length === 0) {
  describe('worker threads', () => {
    it('split the wasm kernels across threads', skipWithReason('this engine validates no WebAssembly SIMD module'), () => {});
  });
}
