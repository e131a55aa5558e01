import { SCRATCH_BYTES, WasmKernels, type ThreadTask } from './wasm-kernels';
import { splitRange, type KernelThreads } from './thread-pool';

/**
 * Multiply-adds (`m·n·k`) from which `CpuBackend.matMul` runs the wasm sgemm: below it, copying the
 * operands into wasm memory and packing them costs about as much as the JS kernel's whole product.
 */
export const WASM_MATMUL_MIN_WORK = 32 * 1024;

const align = (bytes: number) => (bytes + 15) & ~15;

/**
 * `out[m, n] = op(A)·op(B)` for one pair of matrices through the wasm sgemm: A and B are copied into
 * the module's memory, B is packed into 8-column panels (a transposed B is read in place, never
 * materialised), C is copied out. Float32 accumulation. With `threads`, the rows of C are split among
 * them when the product is large enough (each row is computed the same way whatever the split).
 *
 * @returns false, doing nothing, for a batched product or one below `minWork` multiply-adds (the JS
 * kernel runs those).
 */
export function wasmMatMul(
  kernels: WasmKernels,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
  out: Float32Array,
  outShape: readonly number[],
  minWork = WASM_MATMUL_MIN_WORK,
  threads: KernelThreads | null = null,
): boolean {
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  if (a.length !== m * k || b.length !== k * n || m * n * k < minWork) return false;
  const count = threads === null ? 1 : threads.threadsFor(Math.ceil(m / 4), m * n * k);
  const aAt = align(SCRATCH_BYTES);
  const bAt = align(aAt + 4 * m * k);
  const cAt = align(bAt + 4 * k * n);
  const pbAt = align(cAt + 4 * m * n);
  // Per thread: the A panel (16·k bytes) and the edge tile (128 bytes).
  const scratchAt = align(pbAt + WasmKernels.packedBBytes(k, n));
  const scratchBytes = align(16 * k + 128);
  kernels.ensure(scratchAt + count * scratchBytes);
  const heap = kernels.f32;
  heap.set(a, aAt / 4);
  heap.set(b, bAt / 4);
  if (transposeB) kernels.packB(bAt / 4, 1, k, k, n, pbAt);
  else kernels.packB(bAt / 4, n, 1, k, n, pbAt);
  const si = transposeA ? 1 : k;
  const jobs = splitRange(m, count, 4).map(([i0, rows], t): ThreadTask[] => {
    const pa = scratchAt + t * scratchBytes;
    return [{ fn: 'gemm', args: [rows, n, k, aAt + 4 * i0 * si, si, transposeA ? m : 1, pbAt, cAt + 4 * i0 * n, n, 0, pa, pa + 16 * k] }];
  });
  if (threads === null) for (const job of jobs) for (const task of job) kernels.run(task);
  else threads.run(jobs);
  out.set(kernels.f32.subarray(cAt / 4, cAt / 4 + m * n));
  return true;
}
