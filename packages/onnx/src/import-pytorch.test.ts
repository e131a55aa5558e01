import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SGD, add, mul, sum, type Tensor } from '@gated/core';
import { TOLERANCE, assertClose, fixtureTensor, isClose, parseFixtureCases, type FixtureTensor } from '@gated/core/testing';
import { CpuBackend } from '@gated/backend-cpu';
import { importOnnx } from './index';

// onnx-import.json and the .onnx files beside it: scripts/fixtures/gen_onnx.py exports each PyTorch
// model with torch.onnx.export (torch 1.13, opset 14, dynamic axes) and records its outputs, then
// runs `steps` SGD steps in PyTorch on
//   loss = Σ_outputs sum(output · loss_weight); loss.backward(); record loss and gradients; step()
// Here Gated imports the .onnx file and runs the same steps with its own autograd and SGD.
interface ImportCase {
  readonly description: string;
  readonly file: string;
  readonly inputs: Record<string, FixtureTensor & { dtype?: 'int64' }>;
  readonly outputs: Record<string, FixtureTensor>;
  readonly loss_weights: Record<string, FixtureTensor>;
  readonly lr: number;
  readonly steps: readonly {
    loss: number;
    parameter_grads: Record<string, FixtureTensor>;
    input_grads: Record<string, FixtureTensor>;
  }[];
}

const backend = new CpuBackend();
const fixtures = new URL('./__fixtures__/', import.meta.url);
const cases = parseFixtureCases<ImportCase>(readFileSync(new URL('onnx-import.json', fixtures), 'utf8'), 'onnx-import.json');
const RECURRENT_PARAMETER = /^(.*?)(weight|bias)_(ih|hh)_l(\d+)(_reverse)?$/;

/** PyTorch's parameter name for each of the imported model's: layer k of an L-layer RNN is the k-th ONNX node. */
function torchNames(model: ReturnType<typeof importOnnx>, torchParameters: readonly string[]): Map<string, string> {
  const prefixes = new Set(torchParameters.flatMap((n) => RECURRENT_PARAMETER.exec(n)?.[1] ?? []));
  expect(prefixes.size).toBeLessThanOrEqual(1);
  const prefix = [...prefixes][0] ?? '';
  const names = new Map<string, string>();
  model.recurrentLayers.forEach((layer, k) => {
    for (const key of Object.keys(layer.module.stateDict())) {
      const m = RECURRENT_PARAMETER.exec(key) as RegExpExecArray;
      names.set(`${layer.name}.${key}`, `${prefix}${m[2]}_${m[3]}_l${k}${m[5] ?? ''}`);
    }
  });
  for (const key of Object.keys(model.stateDict())) if (!names.has(key)) names.set(key, key);
  return names;
}

describe('importOnnx: PyTorch-exported models (onnx-import.json)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.description}: outputs, ${c.steps.length} fine-tuning steps of losses and gradients`, () => {
      const model = importOnnx(readFileSync(new URL(c.file, fixtures)), { backend });
      expect(model.opsetVersion).toBe(14);
      expect(model.producer).toMatch(/^pytorch/);
      const floatInputs: Record<string, Tensor> = {};
      const inputs = Object.fromEntries(
        Object.entries(c.inputs).map(([key, t]) => {
          if (t.dtype === 'int64') return [key, fixtureTensor(t, backend)];
          const x = fixtureTensor(t, backend, true);
          floatInputs[key] = x;
          return [key, x];
        }),
      );
      const outputs = model.forward(inputs);
      expect(Object.keys(outputs)).toEqual(Object.keys(c.outputs));
      for (const [key, expected] of Object.entries(c.outputs)) {
        expect(outputs[key].shape).toEqual(expected.shape);
        assertClose(outputs[key].dataSync(), expected.data, TOLERANCE.pytorchForward, `${name} output ${key}`);
      }

      const names = torchNames(model, Object.keys(c.steps[0].parameter_grads));
      expect([...names.values()].sort()).toEqual(Object.keys(c.steps[0].parameter_grads).sort());
      const parameters = model.stateDict();
      const optimizer = new SGD(model.parameters(), { lr: c.lr });
      c.steps.forEach((step, k) => {
        optimizer.zeroGrad();
        for (const x of Object.values(floatInputs)) x.zeroGrad();
        const result = model.forward(inputs);
        let loss: Tensor | null = null;
        for (const [key, w] of Object.entries(c.loss_weights)) {
          const term = sum(mul(result[key], fixtureTensor(w, backend)));
          loss = loss === null ? term : add(loss, term);
        }
        (loss as Tensor).backward();
        expect(isClose((loss as Tensor).item(), step.loss, TOLERANCE.pytorchGradient), `step ${k} loss ${(loss as Tensor).item()} vs ${step.loss}`).toBe(true);
        for (const [gatedName, torchName] of names) {
          const grad = parameters[gatedName].grad;
          expect(grad, `step ${k}: ${gatedName} has a gradient`).not.toBeNull();
          assertClose((grad as Tensor).dataSync(), step.parameter_grads[torchName].data, TOLERANCE.pytorchGradient, `${name} step ${k} grad ${gatedName} (${torchName})`);
        }
        for (const [key, expected] of Object.entries(step.input_grads)) {
          assertClose((floatInputs[key].grad as Tensor).dataSync(), expected.data, TOLERANCE.pytorchGradient, `${name} step ${k} grad of input ${key}`);
        }
        optimizer.step();
      });
    });
  }
});
