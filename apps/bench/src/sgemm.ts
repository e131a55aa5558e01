import { Generator, matmulTransposed, noGrad, randn, type Tensor } from '@gated/core';
import { CpuBackend, availableKernelSets, type KernelSetName } from '@gated/backend-cpu';

/** One product of the sgemm table: `op(A)[m×k] · op(B)[k×n]`, and where a recurrent net runs it. */
export interface SgemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly use: string;
}

/** The products of the `medium` GRU (batch 32, seqLen 100, input 64, hidden 128), plus a square one. */
export const SGEMM_SHAPES: readonly SgemmShape[] = [
  { m: 32, n: 384, k: 128, transposeA: false, transposeB: true, use: 'per step h·W_hhᵀ' },
  { m: 3200, n: 384, k: 64, transposeA: false, transposeB: true, use: 'input projection x·W_ihᵀ' },
  { m: 384, n: 128, k: 3200, transposeA: true, transposeB: false, use: 'dW_hh = dghᵀ·h' },
  { m: 3200, n: 64, k: 384, transposeA: false, transposeB: false, use: 'dX = dgx·W_ih' },
  { m: 256, n: 256, k: 256, transposeA: false, transposeB: false, use: 'square' },
];

/** One measured row: GFLOP/s of `matmulTransposed` through the public API (copies into wasm memory included). */
export interface SgemmResult extends SgemmShape {
  readonly kernels: KernelSetName;
  readonly medianMs: number;
  readonly gflops: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * Times `matmulTransposed` for every shape of {@link SGEMM_SHAPES} under every available kernel set,
 * on one thread (the figures are set against the peak of one core): median of `reps` runs after two
 * warm-ups, each run at least `minMs` long (repeated products).
 */
export function runSgemmBenchmark(reps = 7, minMs = 20, sets: readonly KernelSetName[] = availableKernelSets()): SgemmResult[] {
  const results: SgemmResult[] = [];
  for (const kernels of sets) {
    const backend = new CpuBackend({ kernels, threads: 1 });
    for (const shape of SGEMM_SHAPES) {
      const { m, n, k, transposeA, transposeB } = shape;
      const generator = new Generator(3);
      const a = randn(transposeA ? [k, m] : [m, k], { backend, generator });
      const b = randn(transposeB ? [n, k] : [k, n], { backend, generator });
      const once = () => noGrad(() => matmulTransposed(a, b, transposeA, transposeB));
      let inner = 1;
      const time = () => {
        const t0 = performance.now();
        for (let i = 0; i < inner; i++) (once() as Tensor).dispose();
        return (performance.now() - t0) / inner;
      };
      time();
      inner = Math.max(1, Math.ceil(minMs / Math.max(time(), 1e-3)));
      const samples = Array.from({ length: reps }, time);
      const ms = median(samples);
      results.push({ ...shape, kernels, medianMs: ms, gflops: (2 * m * n * k) / ms / 1e6 });
      a.dispose();
      b.dispose();
    }
  }
  return results;
}

/**
 * The single-core peak of WebAssembly SIMD multiply-adds on this machine, in GFLOP/s: a loop of 12
 * independent f32x4 accumulators (enough to hide the latency), as `f32x4.mul` + `f32x4.add` and, where
 * the engine validates it, as relaxed SIMD's `f32x4.relaxed_madd`. Assembled here with wabt.
 */
export async function measureWasmPeak(): Promise<{ simd: number; relaxed: number | null }> {
  const wabt = await (await import('wabt')).default();
  const accs = Array.from({ length: 12 }, (_, i) => `$a${i}`);
  const build = (relaxed: boolean) => {
    const step = accs
      .map((a) => `(local.set ${a} ${relaxed ? `(f32x4.relaxed_madd (local.get ${a}) (local.get $x) (local.get $y))` : `(f32x4.add (f32x4.mul (local.get ${a}) (local.get $x)) (local.get $y))`})`)
      .join('\n');
    const wat = `(module (func (export "run") (param $n i32) (result f32)
      (local $x v128) (local $y v128) ${accs.map((a) => `(local ${a} v128)`).join(' ')}
      (local.set $x (v128.const f32x4 0.999 0.999 0.999 0.999)) (local.set $y (v128.const f32x4 0.001 0.001 0.001 0.001))
      (loop $l ${step} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
      (f32x4.extract_lane 0 ${accs.reduce((s, a) => `(f32x4.add ${s} (local.get ${a}))`, '(v128.const f32x4 0 0 0 0)')})))`;
    const module = wabt.parseWat('peak.wat', wat, { simd: true, relaxed_simd: relaxed });
    try {
      return module.toBinary({}).buffer;
    } finally {
      module.destroy();
    }
  };
  const measure = (bytes: Uint8Array): number | null => {
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return null;
    const run = (new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports as { run(n: number): number }).run;
    const n = 2_000_000;
    run(n / 10);
    const samples = Array.from({ length: 7 }, () => {
      const t0 = performance.now();
      run(n);
      return performance.now() - t0;
    });
    // 12 accumulators × 4 lanes × 2 flops per loop iteration.
    return (n * 12 * 4 * 2) / Math.min(...samples) / 1e6;
  };
  return { simd: measure(build(false)) as number, relaxed: measure(build(true)) };
}

/** The sgemm table as text, each figure also as a fraction of the peak of its kernel set. */
export function sgemmTableText(results: readonly SgemmResult[], peak: { simd: number; relaxed: number | null }): string {
  const lines = [
    `WebAssembly SIMD peak, one core: ${peak.simd.toFixed(1)} GFLOP/s (f32x4.mul + f32x4.add), ${peak.relaxed === null ? 'relaxed SIMD not validated by this engine' : `${peak.relaxed.toFixed(1)} GFLOP/s (f32x4.relaxed_madd)`}`,
    '',
    'kernels       m×n×k            op        use                       median ms   GFLOP/s   % of peak',
  ];
  for (const r of results) {
    const peakOf = r.kernels === 'wasm-relaxed' ? peak.relaxed : r.kernels === 'wasm-simd' ? peak.simd : null;
    const op = `${r.transposeA ? 'Aᵀ' : 'A'}·${r.transposeB ? 'Bᵀ' : 'B'}`;
    lines.push(
      `${r.kernels.padEnd(13)} ${`${r.m}×${r.n}×${r.k}`.padEnd(16)} ${op.padEnd(9)} ${r.use.padEnd(25)} ${r.medianMs.toFixed(3).padStart(9)} ${r.gflops.toFixed(1).padStart(9)} ${peakOf === null ? '        —' : `${((100 * r.gflops) / peakOf).toFixed(0).padStart(8)}%`}`,
    );
  }
  return lines.join('\n') + '\n';
}
