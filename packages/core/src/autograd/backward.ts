import { AutogradError, ShapeError, formatShape } from '../errors';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { withGradMode } from './grad-mode';
import { keep, scope } from '../memory';
import { checkOptions } from '../options';
import * as ops from '../ops';

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /**
   * Keep the graph so that backward can run through it again (PyTorch's `retain_graph`). Without it,
   * each node's backward closure is dropped as soon as it has run, freeing what it captured.
   * @defaultValue false
   */
  retainGraph?: boolean;
}

/**
 * Orders the graph under `root` so that every tensor comes before the tensors it was computed from.
 * Iterative (an explicit stack), so a graph of 10^5 nodes cannot overflow the JavaScript stack.
 */
export function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const [t, next] = frame;
    const inputs = t.gradNode?.inputs ?? [];
    if (next < inputs.length) {
      frame[1] = next + 1;
      const input = inputs[next];
      if (input.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push([input, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/** @internal The engine behind {@link Tensor.backward}. */
export function runBackward(root: Tensor, gradOutput: Tensor | undefined, options: BackwardOptions): void {
  if (!root.requiresGrad) {
    throw new AutogradError('backward: tensor does not require grad and has no grad node (did you create it with requiresGrad, or inside noGrad?)');
  }
  if (gradOutput === undefined && root.size !== 1) {
    throw new AutogradError(`backward: a non-scalar tensor of shape ${formatShape(root.shape)} needs an explicit gradOutput of the same shape`);
  }
  if (gradOutput !== undefined && !shapesEqual(gradOutput.shape, root.shape)) {
    throw new ShapeError(`backward: gradOutput must have the shape of the tensor, ${formatShape(root.shape)}, got ${formatShape(gradOutput.shape)}`);
  }
  const { retainGraph = false } = checkOptions(options, { where: 'backward(gradOutput, options)', spec: { retainGraph: 'boolean' } });
  const order = topologicalOrder(root);
  for (const t of order) {
    if (t.gradNode !== null && t.gradNode.backward === null) {
      throw new AutogradError(
        `backward: trying to backward through the graph a second time (op '${t.gradNode.name}'); pass { retainGraph: true } to the first backward to keep it`,
      );
    }
  }

  // Everything computed here is disposed at the end except the gradients that land in `.grad`.
  scope(() =>
    withGradMode(false, () => {
      const grads = new Map<Tensor, Tensor>();
      grads.set(root, gradOutput ?? ops.onesLike(root));
      for (const t of order) {
        const g = grads.get(t);
        if (g === undefined) continue;
        grads.delete(t);
        const node = t.gradNode;
        if (node === null || t.retainsGrad) accumulate(t, g);
        if (node === null) continue;
        const inputGrads = node.backward!(g);
        if (inputGrads.length !== node.inputs.length) {
          throw new AutogradError(`${node.name} backward: returned ${inputGrads.length} gradients for ${node.inputs.length} inputs`);
        }
        for (let i = 0; i < node.inputs.length; i++) {
          const input = node.inputs[i];
          const ig = inputGrads[i];
          if (ig === null || !input.requiresGrad) continue;
          if (!shapesEqual(ig.shape, input.shape)) {
            throw new ShapeError(
              `${node.name} backward: gradient for input ${i} must have the input's shape ${formatShape(input.shape)}, got ${formatShape(ig.shape)}`,
            );
          }
          const previous = grads.get(input);
          grads.set(input, previous === undefined ? ig : ops.add(previous, ig));
        }
        if (!retainGraph) {
          node.backward = null;
          for (const temporary of node.temporaries ?? []) temporary.dispose();
        }
      }
      return null;
    }),
  );
}

function accumulate(t: Tensor, g: Tensor): void {
  // A fresh tensor (not a view of the op's gradOutput) so that `.grad` owns its storage.
  const next = t.grad === null ? ops.copy(g) : ops.add(t.grad, g);
  keep(next);
  if (t.grad !== null) t.grad.dispose();
  t.grad = next;
}
