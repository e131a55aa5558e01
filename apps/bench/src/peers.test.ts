import { describe, expect, it } from 'vitest';
import { peerTableText, runPeers } from './peers';
import { parseOptions } from './options';

describe('TensorFlow.js peers', () => {
  it('--peers is an option, off by default', () => {
    expect(parseOptions(['--peers']).peers).toBe(true);
    expect(parseOptions([]).peers).toBe(false);
  });

  it('prints each peer figure with the fastest Gated CPU figure and the ratio', () => {
    const text = peerTableText(
      [
        { workload: 'medium', backend: 'tfjs:wasm', cell: 'gru', pass: 'forward', medianMs: 120, runs: 5, gated: { backend: 'cpu:wasm-relaxed', medianMs: 12 } },
        { workload: 'medium', backend: 'tfjs:cpu', cell: 'lstm', pass: 'backward', medianMs: 3600, runs: 1, gated: null },
      ],
      ['tfjs:cpu not run on deep-bi: a stacked or bidirectional workload takes it tens of seconds a run'],
    );
    expect(text).toMatch(/medium\s+tfjs:wasm\s+forward\s+GRU\s+120\.0\s+5\s+cpu:wasm-relaxed 12\.0 ms\s+10\.0×/);
    expect(text).toMatch(/tfjs:cpu\s+fwd\+bwd\s+LSTM\s+3600\.0\s+1\s+—/);
    expect(text).toContain('tfjs:cpu not run on deep-bi');
  });

  it('runs a stacked bidirectional workload on tfjs:wasm as stacked bidirectional layers, and leaves it out of tfjs:cpu, saying so', async () => {
    const tiny = { name: 'tiny-bi', batch: 2, seqLen: 3, inputSize: 4, hiddenSize: 5, numLayers: 2, bidirectional: true };
    const lines: string[] = [];
    const { results, notes } = await runPeers([tiny], ['gru'], ['forward'], 1, [], (line) => lines.push(line));
    expect(results.map((r) => [r.workload, r.backend, r.cell, r.pass])).toEqual([['tiny-bi', 'tfjs:wasm', 'gru', 'forward']]);
    expect(results[0].medianMs).toBeGreaterThan(0);
    expect(notes).toContain('tfjs:cpu not run on tiny-bi: a stacked or bidirectional workload takes it tens of seconds a run');
  });
});
