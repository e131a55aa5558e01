import { AttributeType } from './proto/codec';
import { tensorProtoOf } from './tensor-proto';

/** An attribute value the builder writes: numbers are INT when integral unless listed as floats. @internal */
export type AttributeValue = number | string | readonly number[] | { readonly float: number } | { readonly floats: readonly number[] };

/** Builds the node list, initializers and names of one ONNX graph. @internal */
export class GraphBuilder {
  readonly nodes: Record<string, unknown>[] = [];
  readonly initializers: Record<string, unknown>[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  /** A fresh value name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.counter}`;
    this.names.add(name);
    return name;
  }

  /** Reserves an exact name (graph inputs, outputs, parameters); throws if taken. */
  reserve(name: string): string {
    if (this.names.has(name)) return this.fresh(name);
    this.names.add(name);
    return name;
  }

  /** Adds a node; returns its output names (fresh ones derived from the op when not given). */
  node(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputs: number | readonly string[] = 1, name?: string): string[] {
    const outNames = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(`${(name ?? opType).replace(/\./g, '/')}_out`)) : [...outputs];
    const attribute = Object.entries(attributes).map(([key, value]) => encodeAttribute(key, value));
    this.nodes.push({ opType, input: [...inputs], output: outNames, name: this.fresh(name ?? opType), attribute });
    return outNames;
  }

  /** Adds a float32 initializer. */
  floatInitializer(name: string, shape: readonly number[], data: ArrayLike<number>): string {
    const reserved = this.reserve(name);
    this.initializers.push(tensorProtoOf(reserved, 'float32', shape, data));
    return reserved;
  }

  /** Adds an int64 initializer (shapes, axes, indices). */
  int64Initializer(base: string, shape: readonly number[], data: readonly number[]): string {
    const name = this.fresh(base);
    this.initializers.push(tensorProtoOf(name, 'int64', shape, data));
    return name;
  }

  /** An int64 vector constant. */
  ints(base: string, values: readonly number[]): string {
    return this.int64Initializer(base, [values.length], values);
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    const name = this.fresh('const');
    this.initializers.push(tensorProtoOf(name, 'float32', [], [value]));
    return name;
  }
}

function encodeAttribute(name: string, value: AttributeValue): Record<string, unknown> {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: [...(value as number[])] };
  if ('float' in (value as object)) return { name, type: AttributeType.FLOAT, f: (value as { float: number }).float };
  return { name, type: AttributeType.FLOATS, floats: [...(value as { floats: readonly number[] }).floats] };
}
