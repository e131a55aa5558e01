import { OnnxFormatError } from './errors';
import { AttributeType, int64, type AttributeMessage, type NodeMessage, type TensorMessage } from './proto/codec';

/** Typed access to a node's attributes, with the node named in every error. @internal */
export class Attributes {
  private readonly byName = new Map<string, AttributeMessage>();

  constructor(readonly node: NodeMessage) {
    for (const a of node.attribute) this.byName.set(a.name, a);
  }

  /** Names of the attributes present. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private get(name: string, type: number): AttributeMessage | undefined {
    const a = this.byName.get(name);
    if (a !== undefined && a.type !== 0 && a.type !== type) {
      throw new OnnxFormatError(`importOnnx: attribute ${name} of ${describeNode(this.node)} has type ${a.type}, expected ${type}`);
    }
    return a;
  }

  int(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.INT);
    return a === undefined ? fallback : int64(a.i, `attribute ${name}`);
  }

  float(name: string, fallback: number): number {
    const a = this.get(name, AttributeType.FLOAT);
    return a === undefined ? fallback : a.f;
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeType.STRING);
    return a === undefined ? fallback : new TextDecoder().decode(a.s);
  }

  ints(name: string): number[] | null {
    const a = this.get(name, AttributeType.INTS);
    return a === undefined ? null : a.ints.map((v) => int64(v, `attribute ${name}`));
  }

  floats(name: string): number[] | null {
    const a = this.get(name, AttributeType.FLOATS);
    return a === undefined ? null : [...a.floats];
  }

  strings(name: string): string[] | null {
    const a = this.get(name, AttributeType.STRINGS);
    return a === undefined ? null : a.strings.map((s) => new TextDecoder().decode(s));
  }

  tensor(name: string): TensorMessage | null {
    const a = this.get(name, AttributeType.TENSOR);
    return a === undefined ? null : a.t;
  }
}

/** `Op "name"` for messages. @internal */
export function describeNode(node: NodeMessage): string {
  return node.name ? `${node.opType} node "${node.name}"` : `${node.opType} node (unnamed)`;
}
