import { MemoryPlan, WasmKernels, align16, type ThreadTask } from './wasm-kernels';
import { splitRange, type KernelThreads } from './thread-pool';

/**
 * Multiply-adds (`m·n·k`) from which `CpuBackend.matMul` runs the wasm sgemm: below it, copying the
 * operands into wasm memory and packing them costs about as much as the JS kernel's whole product.
 */
export const WASM_MATMUL_MIN_WORK = 32 * 1024;

/**
 * `out[m, n] = op(A)·op(B)` for one pair of matrices through the wasm sgemm: A and B are copied into
 * the module's memory, B is packed into 8-column panels (a transposed B is read in place, never
 * materialised), C is copied out. Float32 accumulation. With `threads`, the rows of C are split among
 * them when the product is large enough (each row is computed the same way whatever the split).
 *
 * @param options - `minWork`: the smallest product it runs (default {@link WASM_MATMUL_MIN_WORK});
 * `threads`: the backend's threads, to split the rows of a large product (default: the caller alone).
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
  options: { readonly minWork?: number; readonly threads?: KernelThreads | null } = {},
): boolean {
  const { minWork = WASM_MATMUL_MIN_WORK, threads = null } = options;
  const rank = outShape.length;
  const m = outShape[rank - 2];
  const n = outShape[rank - 1];
  const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
  if (a.length !== m * k || b.length !== k * n || m * n * k < minWork) return false;
  const count = threads === null ? 1 : threads.threadsFor(Math.ceil(m / 4), m * n * k);
  const plan = new MemoryPlan();
  const aAt = plan.floats(m * k);
  const bAt = plan.floats(k * n);
  const cAt = plan.floats(m * n);
  const pbAt = plan.bytes(WasmKernels.packedBBytes(k, n));
  // Per thread: the A panel (16·k bytes) and the edge tile (128 bytes).
  const scratchBytes = align16(16 * k + 128);
  const scratchAt = plan.bytes(count * scratchBytes);
  kernels.ensure(plan.size);
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
  if (threads === null) kernels.runOnCaller(jobs);
  else threads.run(jobs);
  out.set(kernels.f32.subarray(cAt / 4, cAt / 4 + m * n));
  return true;
}
