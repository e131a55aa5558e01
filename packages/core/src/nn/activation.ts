import { ValueError } from '../errors';
import { add, gelu, mul, relu, scalarOp, sigmoid, tanh } from '../ops';
import type { Tensor } from '../tensor/tensor';
import { Module } from './module';
import { assertTensorArgument, checkOptions } from '../options';

/** `max(x, 0)` as a module, for {@link Sequential} (PyTorch's `nn.ReLU`). */
export class ReLU extends Module {
  /** Applies `relu` element-wise. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('ReLU', 'input', input);
    return relu(input);
  }
}

/** `tanh(x)` as a module (PyTorch's `nn.Tanh`). */
export class Tanh extends Module {
  /** Applies `tanh` element-wise. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('Tanh', 'input', input);
    return tanh(input);
  }
}

/** `σ(x)` as a module (PyTorch's `nn.Sigmoid`). */
export class Sigmoid extends Module {
  /** Applies `sigmoid` element-wise. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('Sigmoid', 'input', input);
    return sigmoid(input);
  }
}

/** Options of {@link GELU}. */
export interface GeluOptions {
  /** `'none'` for the exact erf form, `'tanh'` for the tanh approximation. @defaultValue 'none' */
  approximate?: 'none' | 'tanh';
}

/**
 * GELU as a module (PyTorch's `nn.GELU`).
 * @remarks `'none'`: `x · Φ(x)`. `'tanh'`: `x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))`.
 * @example
 * ```ts
 * const act = new GELU({ approximate: 'tanh' });
 * ```
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  /** @throws OptionsError for an unknown option or an `approximate` other than `'none'` or `'tanh'`. */
  constructor(rawOptions?: GeluOptions | null) {
    super();
    const options = checkOptions(rawOptions, { where: 'new GELU(options)', spec: { approximate: ['none', 'tanh'] } });
    this.approximate = options.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ValueError(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
    }
  }

  /** Applies GELU element-wise. */
  forward(input: Tensor): Tensor {
    assertTensorArgument('GELU', 'input', input);
    if (this.approximate === 'none') return gelu(input);
    const inner = scalarOp('mul', add(input, scalarOp('mul', scalarOp('pow', input, 3), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(scalarOp('mul', input, 0.5), scalarOp('add', tanh(inner), 1));
  }
}
