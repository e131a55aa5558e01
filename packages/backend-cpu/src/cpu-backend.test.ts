import { describe, expect, it } from 'vitest';
import { BACKEND_SPECIFICATION_VERSION, DisposedError } from '@gated/core';
import { CpuBackend } from './cpu-backend';
import { CpuStorage } from './cpu-storage';

describe('CpuBackend storage', () => {
  it('speaks the contract version and reads synchronously', () => {
    const backend = new CpuBackend();
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
    expect(backend.name).toBe('cpu');
    expect(backend.supportsSyncRead).toBe(true);
  });

  it('copies on upload and on read', async () => {
    const backend = new CpuBackend();
    const values = Float32Array.of(1, 2, 3);
    const storage = backend.upload(values);
    values[0] = 99;
    const first = backend.readSync(storage);
    expect(Array.from(first)).toEqual([1, 2, 3]);
    first[1] = 99;
    expect(Array.from(await backend.read(storage))).toEqual([1, 2, 3]);
  });

  it('fills', () => {
    const backend = new CpuBackend();
    expect(Array.from(backend.readSync(backend.fill(3, 2.5)))).toEqual([2.5, 2.5, 2.5]);
    expect(Array.from(backend.readSync(backend.fill(2, 0)))).toEqual([0, 0]);
    expect(backend.readSync(backend.fill(0, 1)).length).toBe(0);
  });

  it('counts live storages and bytes: allocation by upload, fill and kernels, release by dispose', () => {
    const backend = new CpuBackend();
    expect(backend.memory()).toEqual({ liveStorages: 0, liveBytes: 0 });
    const a = backend.upload(Float32Array.of(1, 2, 3, 4));
    const b = backend.fill(2, 1);
    const c = backend.unary('exp', a, 4);
    const gru = backend.gruStep({ gx: backend.fill(6, 0), gh: backend.fill(6, 0), h: backend.fill(2, 0), batch: 1, hiddenSize: 2 });
    expect(backend.memory()).toEqual({ liveStorages: 8, liveBytes: 4 * (4 + 2 + 4 + 6 + 6 + 2 + 2 + 8) });
    for (const s of [a, b, c, gru.h, gru.saved]) backend.dispose(s);
    expect(backend.memory().liveStorages).toBe(3);
    expect(backend.memory().liveBytes).toBe(4 * (6 + 6 + 2));
  });

  it('ignores a second dispose of the same storage', () => {
    const backend = new CpuBackend();
    const a = backend.fill(4, 0);
    backend.dispose(a);
    backend.dispose(a);
    expect(backend.memory()).toEqual({ liveStorages: 0, liveBytes: 0 });
    expect(a.isDisposed).toBe(true);
  });

  it('throws a DisposedError when disposed storage is read or used by a kernel', async () => {
    const backend = new CpuBackend();
    const a = backend.upload(Float32Array.of(1, 2));
    backend.dispose(a);
    expect(() => backend.readSync(a)).toThrow(DisposedError);
    await expect(backend.read(a)).rejects.toThrow(DisposedError);
    expect(() => backend.unary('neg', a, 2)).toThrow(DisposedError);
  });

  it('frees the output when an indexing kernel rejects an index', () => {
    const backend = new CpuBackend();
    const x = backend.upload(Float32Array.of(1, 2, 3));
    const indices = backend.upload(Float32Array.of(5));
    expect(() => backend.gather({ storage: x, shape: [3] }, indices, 1, 0)).toThrow();
    expect(() => backend.scatterAdd({ storage: x, shape: [1, 3] }, indices, 1, 0, [2, 3])).toThrow();
    expect(backend.memory().liveStorages).toBe(2);
  });

  it('hands out CpuStorage handles', () => {
    const backend = new CpuBackend();
    const storage = backend.fill(3, 0);
    expect(storage).toBeInstanceOf(CpuStorage);
    expect(storage.size).toBe(3);
  });
});
