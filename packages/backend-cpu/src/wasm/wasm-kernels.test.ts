import { describe, expect, it } from 'vitest';
import { skipWithReason } from '../../../../vitest.skip';
import { readFileSync } from 'node:fs';
import { TOLERANCE, assertClose } from '@gated/core/testing';
import { KERNEL_SETS_UNDER_TEST } from '../kernel-sets-under-test';
import { makeRandom, randomArray } from '../test-helpers';
import { WasmKernels, unsharedModule } from './wasm-kernels';
import { wasmMatMul } from './wasm-matmul';

const wasmSets = KERNEL_SETS_UNDER_TEST.filter((k) => k !== 'js');

describe('generated WebAssembly modules', () => {
  it('are byte-identical to what scripts/wasm-kernels.mjs and wabt produce now', async () => {
    // A dynamic import of the build script's library: it is plain JS outside this package's sources.
    const lib = (await import(new URL('../../scripts/wasm-build-lib.mjs', import.meta.url).href)) as { generatedModulesSource(): Promise<string> };
    const committed = readFileSync(new URL('./modules.generated.ts', import.meta.url), 'utf8');
    expect(await lib.generatedModulesSource()).toBe(committed);
  });

  it('derive the build on a memory of their own from the shared build: byte-identical to what wabt assembles', async () => {
    const lib = (await import(new URL('../../scripts/wasm-build-lib.mjs', import.meta.url).href)) as { assemble(relaxed: boolean, shared: boolean): Promise<Uint8Array> };
    for (const relaxed of [false, true]) {
      const shared = new Uint8Array(await lib.assemble(relaxed, true));
      const own = unsharedModule(shared);
      expect(own).not.toEqual(shared);
      expect(Buffer.from(own).equals(Buffer.from(await lib.assemble(relaxed, false)))).toBe(true);
    }
    expect(() => unsharedModule(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))).toThrow('the module imports no memory');
  });
});

/** `op(A)·op(B)` in float64. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

for (const kernels of wasmSets) {
  describe(`wasm sgemm (${kernels})`, () => {
    const wasm = WasmKernels.create(kernels === 'wasm-relaxed');
    const random = makeRandom(11);
    // Edge sizes around the 4×8 register tile and the 4-wide vectors, plus the recurrent shapes.
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [1, 8, 3],
      [3, 5, 7],
      [4, 8, 16],
      [5, 9, 4],
      [8, 17, 33],
      [13, 24, 1],
      [2, 3, 0],
      [32, 48, 16],
      [17, 40, 65],
    ];
    for (const [m, n, k] of sizes) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          it(`[${m}×${k}]·[${k}×${n}] transposeA=${transA} transposeB=${transB} against float64`, () => {
            const a = randomArray(random, m * k);
            const b = randomArray(random, k * n);
            const out = new Float32Array(m * n).fill(Number.NaN);
            const ran = wasmMatMul(wasm, a, transA ? [k, m] : [m, k], b, transB ? [n, k] : [k, n], transA, transB, out, [m, n], { minWork: 0 });
            expect(ran).toBe(true);
            assertClose(out, reference(a, b, m, n, k, transA, transB), TOLERANCE.accumulation, 'sgemm');
          });
        }
      }
    }

    it('leaves batched and small products to the JS kernel', () => {
      const out = new Float32Array(4);
      expect(wasmMatMul(wasm, new Float32Array(8), [2, 1, 2, 2], new Float32Array(4), [2, 2], false, false, out, [2, 1, 2, 2], { minWork: 0 })).toBe(false);
      expect(wasmMatMul(wasm, new Float32Array(4), [2, 2], new Float32Array(4), [2, 2], false, false, out, [2, 2])).toBe(false);
    });

    it('sigmoid and tanh: float32 accuracy from −100 to 100, NaN stays NaN', () => {
      const x = Float32Array.from({ length: 4000 }, (_, i) => -100 + (200 * i) / 3999);
      x.set([0, -0, 1e-8, -1e-8, 88.5, -88.5, 20, -20], 0);
      x[3999] = Number.NaN;
      const n = x.length;
      wasm.ensure(4 * (64 + 3 * n));
      wasm.f32.set(x, 64);
      wasm.sigmoid(64, 64 + n, n);
      wasm.tanh(64, 64 + 2 * n, n);
      const f = wasm.f32;
      const sig = Float64Array.from(x, (v) => 1 / (1 + Math.exp(-v)));
      const th = Float64Array.from(x, (v) => Math.tanh(v));
      assertClose(f.subarray(64 + n, 64 + 2 * n), sig, TOLERANCE.elementwise, 'sigmoid');
      assertClose(f.subarray(64 + 2 * n, 64 + 3 * n), th, TOLERANCE.elementwise, 'tanh');
    });
  });
}

if (wasmSets.length === 0) {
  describe('wasm sgemm', () => {
    it('sgemm and the gate kernels', skipWithReason('this engine validates no WebAssembly SIMD module'), () => {});
  });
}
