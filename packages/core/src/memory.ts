import type { Tensor } from './tensor/tensor';

const scopes: Set<Tensor>[] = [];
const kept = new WeakSet<Tensor>();

/** @internal Called by every tensor constructor: the tensor belongs to the innermost open scope. */
export function trackTensor(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/**
 * Marks `t` so that no enclosing {@link scope} disposes it (for tensors that outlive the scope by a
 * side channel, such as optimizer state). Returns `t`.
 */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  return t;
}

/**
 * Runs `fn` and then disposes every tensor created inside it except the ones it returns (found in
 * the returned value, arrays and plain objects included), the ones passed to {@link keep}, and the
 * ones the returned tensors' autograd graph still needs for `backward()`.
 *
 * CPU tensors are reclaimed by the garbage collector anyway; on a device backend a scope frees
 * device memory deterministically. Scopes nest; a returned tensor moves to the enclosing scope.
 */
export function scope<T>(fn: () => T): T {
  const own = new Set<Tensor>();
  scopes.push(own);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    scopes.pop();
    for (const t of own) if (!kept.has(t)) t.dispose();
    throw error;
  }
  scopes.pop();
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, new Set());
  for (const t of [...survivors]) collectGraph(t, survivors);
  const outer = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of own) {
    if (survivors.has(t) || kept.has(t)) outer?.add(t);
    else t.dispose();
  }
  return result;
}

function collectTensors(value: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isTensor(value)) {
    out.add(value);
    if (value.grad) out.add(value.grad);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, seen);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, seen);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const v of Object.values(value)) collectTensors(v, out, seen);
  }
}

function collectGraph(root: Tensor, out: Set<Tensor>): void {
  const stack: Tensor[] = [root];
  const visited = new Set<Tensor>();
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (visited.has(t)) continue;
    visited.add(t);
    out.add(t);
    const node = t.gradNode;
    if (node === null) continue;
    for (const input of node.inputs) stack.push(input);
    for (const s of node.saved) out.add(s);
  }
}

function isTensor(value: object): value is Tensor {
  return (value as { readonly __gatedTensor?: true }).__gatedTensor === true;
}
