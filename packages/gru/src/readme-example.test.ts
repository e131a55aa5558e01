import { describe, expect, it } from 'vitest';
// The usage example of the root README.md, verbatim between the markers, so that it cannot rot.
// README-EXAMPLE-START
import { setBackend, tensor, randn, manualSeed, Linear, Adam, crossEntropy, clipGradNorm } from '@gated/core';
import { CpuBackend } from '@gated/backend-cpu';
import { GRU } from '@gated/gru';

setBackend(new CpuBackend());
manualSeed(0);
const gru = new GRU({ inputSize: 8, hiddenSize: 32, numLayers: 2, batchFirst: true });
const head = new Linear({ inFeatures: 32, outFeatures: 3 });
const optimizer = new Adam([...gru.parameters(), ...head.parameters()], { lr: 1e-2 });
const x = randn([16, 20, 8]); // [batch, seqLen, inputSize]
const labels = [...Array(16).keys()].map((i) => i % 3);
let loss = tensor(0);
for (let step = 0; step < 60; step++) {
  const { hN } = gru.forward(x); // hN: [numLayers, batch, hiddenSize]
  loss = crossEntropy(head.forward(hN.slice([1], [1]).squeeze(0)), labels);
  optimizer.zeroGrad();
  loss.backward();
  clipGradNorm(gru.parameters(), 1.0);
  optimizer.step();
}
// README-EXAMPLE-END
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

describe('the README usage example', () => {
  it('trains: the loss falls from about ln 3 to near 0', () => {
    expect(loss.item()).toBeLessThan(0.05);
  });

  it('is the code the root README.md shows', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    const example = source.split('// README-EXAMPLE-START\n')[1].split('// README-EXAMPLE-END')[0];
    expect(readme).toContain(example.trim());
  });
});
