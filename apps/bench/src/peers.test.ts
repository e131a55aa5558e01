import { describe, expect, it } from 'vitest';
import { peerTableText, runPeers } from './peers';
import { parseOptions } from './options';
import { selectWorkloads } from './workloads';

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
      ['peers not run on deep-bi: they are measured on single-layer, one-direction workloads'],
    );
    expect(text).toMatch(/medium\s+tfjs:wasm\s+forward\s+GRU\s+120\.0\s+5\s+cpu:wasm-relaxed 12\.0 ms\s+10\.0×/);
    expect(text).toMatch(/tfjs:cpu\s+fwd\+bwd\s+LSTM\s+3600\.0\s+1\s+—/);
    expect(text).toContain('peers not run on deep-bi');
  });

  it('leaves multi-layer and bidirectional workloads out, saying so', async () => {
    const { results, notes } = await runPeers(selectWorkloads(['deep-bi']), ['gru'], ['forward'], 1, [], () => {});
    expect(results).toEqual([]);
    expect(notes).toContain('peers not run on deep-bi: they are measured on single-layer, one-direction workloads');
  });
});
