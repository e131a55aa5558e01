import { describe, expect, it } from 'vitest';
import { cpuEntries, discoverBackends, selectBackends } from './backends';
import { selectCells } from './cells';

describe('backend registry', () => {
  it('always has cpu and reports every gpu.js mode as unavailable when the package cannot be imported', async () => {
    const entries = await discoverBackends(
      () => Promise.reject(new Error("Cannot find package '@gated/backend-gpujs'")),
      () => Promise.reject(new Error("Cannot find package 'onnxruntime-node'")),
    );
    expect(entries[0]).toMatchObject({ id: 'cpu:js', available: true, note: expect.stringContaining('kernels js, 1 thread') });
    expect(entries[entries.length - 1]).toMatchObject({ id: 'onnxruntime', available: false });
    expect(entries[entries.length - 1].note).toContain("Cannot find package 'onnxruntime-node'");
    const gpujs = entries.slice(3, -1);
    expect(gpujs.length).toBeGreaterThan(0);
    for (const e of gpujs) {
      expect(e.available).toBe(false);
      expect(e.note).toContain("Cannot find package '@gated/backend-gpujs'");
      expect(() => e.create()).toThrow('unavailable');
    }
  });

  it("takes the package's modes and reasons from its probe, and creates backends only for available modes", async () => {
    class GpujsBackend {
      private constructor(readonly options: { mode: string }) {}
      static create(options: { mode: string }) {
        return new GpujsBackend(options);
      }
    }
    const entries = (
      await discoverBackends(async () => ({
        GPUJS_MODES: ['headlessgl', 'cpu'],
        isTextureMode: (mode: string) => mode === 'headlessgl',
        probeMode: (mode: string) => (mode === 'cpu' ? { available: true } : { available: false, reason: 'no X display' }),
        GpujsBackend,
      }))
    ).filter((e) => e.id !== 'onnxruntime' && !e.id.startsWith('cpu:'));
    expect(entries.map((e) => [e.id, e.available, e.note])).toEqual([
      ['gpujs:headlessgl', false, 'no X display'],
      ['gpujs:cpu', true, undefined],
    ]);
    expect((entries[1].create() as unknown as GpujsBackend).options).toEqual({ mode: 'cpu' });
    // --quick leaves the CPU emulation out unless asked for by name.
    const quick = selectBackends(entries, undefined, true);
    expect(quick.map((e) => [e.id, e.available])).toEqual([['gpujs:headlessgl', false], ['gpujs:cpu', false]]);
    expect(quick[1].note).toContain('left out of --quick');
    expect(selectBackends(entries, ['gpujs:cpu'], true)[0].available).toBe(true);
  });

  it('has one cpu entry per kernel set; --quick runs js and the set auto picks; a set the engine lacks says why', async () => {
    const entries = cpuEntries(['js', 'wasm-simd']);
    expect(entries.map((e) => [e.id, e.available, e.quick])).toEqual([
      ['cpu:js', true, true],
      ['cpu:wasm-simd', true, true],
      ['cpu:wasm-relaxed', false, true],
    ]);
    expect(entries[1].note).toBe('kernels wasm-simd, 1 thread (what auto picks)');
    expect(cpuEntries(['js', 'wasm-simd'], 2).map((e) => e.note?.split(' (')[0])).toEqual(['kernels js, 1 thread', 'kernels wasm-simd, 2 threads', expect.any(String)]);
    expect(entries[2].note).toContain('--experimental-wasm-relaxed-simd');
    const all = cpuEntries(['js', 'wasm-simd', 'wasm-relaxed']);
    expect(all.map((e) => e.quick)).toEqual([true, false, true]);
    expect(((await all[0].create()) as { kernels?: string }).kernels).toBe('js');
  });

  it('starts the worker threads of a wasm backend before it is measured', async () => {
    const [, simd] = cpuEntries(['js', 'wasm-simd'], 2);
    const backend = (await simd.create()) as unknown as { threads: number; stopThreads(): void };
    expect(backend.threads).toBe(2);
    backend.stopThreads();
  });

  it('selects by id or by family, keeps unavailable ones for the report, rejects unknown names', async () => {
    const entries = await discoverBackends(() => Promise.reject(new Error('absent')));
    expect(selectBackends(entries, ['cpu']).map((e) => e.id)).toEqual(['cpu:js', 'cpu:wasm-simd', 'cpu:wasm-relaxed']);
    expect(selectBackends(entries, ['cpu:js']).map((e) => e.id)).toEqual(['cpu:js']);
    expect(selectBackends(entries, ['gpujs']).every((e) => e.id.startsWith('gpujs:'))).toBe(true);
    expect(selectBackends(entries, undefined)).toHaveLength(entries.length);
    expect(() => selectBackends(entries, ['metal'])).toThrow("unknown backend 'metal'");
  });
});

describe('the onnxruntime row', () => {
  it('is available with onnxruntime-node installed, forward only, and measures the exported models after checking them against Gated', async () => {
    const entries = await discoverBackends(() => Promise.reject(new Error('absent')));
    const entry = entries.find((e) => e.id === 'onnxruntime');
    expect(entry).toMatchObject({ available: true, passes: ['forward'] });
    const tiny = { name: 'tiny', batch: 2, seqLen: 3, inputSize: 4, hiddenSize: 5, numLayers: 2, bidirectional: true };
    const measured = await entry!.measure!(selectCells(['gru', 'lstm']), tiny, { warmup: 1, reps: 2, minTotalMs: 0, maxReps: 2 }, () => {});
    expect(measured).toHaveLength(2);
    for (const m of measured) expect(m.samples).toHaveLength(2);
  });
});
