import { ValueError } from '../errors';
import type { Tensor } from '../tensor/tensor';
import { Module } from './module';

/** A module that maps one tensor to one tensor, as {@link Sequential} chains them. */
export interface TensorModule extends Module {
  forward(input: Tensor): Tensor;
}

/**
 * Chains modules: the output of each is the input of the next (PyTorch's `nn.Sequential`). Children
 * are named `"0"`, `"1"`, ..., so state-dict keys read `0.weight`, `2.bias` as in PyTorch.
 * @example
 * ```ts
 * const mlp = new Sequential(
 *   new Linear({ inFeatures: 2, outFeatures: 16 }),
 *   new ReLU(),
 *   new Linear({ inFeatures: 16, outFeatures: 3 }),
 * );
 * const logits = mlp.forward(randn([8, 2])); // [8, 3]
 * ```
 */
export class Sequential extends Module {
  /** The chained modules, in order. */
  readonly layers: readonly TensorModule[];

  constructor(...layers: TensorModule[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module) || typeof layer.forward !== 'function') {
        throw new ValueError(`Sequential: argument ${i} must be a Module with a forward(input) method, got ${String(layer)}`);
      }
      this.registerModule(String(i), layer);
    });
    this.layers = Object.freeze([...layers]);
  }

  /** The number of chained modules. */
  get length(): number {
    return this.layers.length;
  }

  /** Runs `input` through every module in order. */
  forward(input: Tensor): Tensor {
    let x = input;
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }
}
