/**
 * Reverse-mode backpropagation: an iterative topological sort from the root (no recursion, so deep graphs
 * work), then each node's rule in reverse order, accumulating gradients. Runs without recording a graph.
 * Temporaries are freed when it returns; only the leaves' `.grad` survive. Every gradient must fit its tensor
 * (same backend, float32, same shape): a given gradient, a hook's result and a `.grad` assigned by hand are
 * all checked, the last before anything accumulates, so a misfit raises with every `.grad` unchanged.
 */
import { empty, runKernel, withRuleFrame } from '../engine/dispatch.js';
import { adoptLike, inScope, keep, noteBackward, tidy } from '../engine/lifetime.js';
import { ArgumentError, AutogradError, BackendError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import { sameShape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { anomalyState, runRuleChecked } from './anomaly.js';
import { noGrad } from './grad-mode.js';
import { type Grads, releaseNode, runRule } from './node.js';

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep the graph so backward can run through it again (PyTorch's `retain_graph`). */
  retainGraph?: boolean;
}

/** Tensors reachable from `root` through nodes that need gradients, inputs before outputs. */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t._node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const child = inputs[i];
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

function runHooks(t: Tensor, g: Tensor): Tensor {
  if (!t._hooks) return g;
  for (const hook of t._hooks) g = hook(g) ?? g;
  return g;
}

/**
 * Throws unless `g` can be the gradient of `t`: on `t`'s backend (a handle is only meaningful there), float32
 * (like PyTorch, which rejects a gradient of another dtype rather than converting it), `t`'s shape.
 */
function checkFits(g: Tensor, t: Tensor, what: string): void {
  if (g.backend !== t.backend) {
    const same = g.backend.name === t.backend.name ? ' (another instance)' : '';
    throw new BackendError(
      `backward: ${what} is on backend '${g.backend.name}'${same}, the tensor on '${t.backend.name}'; move it with .to(backend)`,
    );
  }
  if (g.dtype !== 'float32') {
    throw new DTypeError(`backward: ${what} has dtype ${g.dtype}; expected float32 (convert it with .float())`);
  }
  if (!sameShape(g.shape, t.shape)) {
    throw new ShapeError(`backward: ${what} has shape ${fmtShape(g.shape)}; expected ${fmtShape(t.shape)}`);
  }
}

/** Throws unless every existing `.grad` that backward would accumulate into fits its tensor. */
function checkExistingGrads(order: readonly Tensor[]): void {
  for (const t of order) {
    if (t._node && !t._retainGrad) continue;
    const prev = t.grad as unknown;
    if (prev === null || prev === undefined) continue;
    const what = `the existing .grad of a tensor of shape ${fmtShape(t.shape)}`;
    if (!isTensor(prev))
      throw new ArgumentError(`backward: ${what} is not a Tensor (got ${typeof prev}); set it to null`);
    if (!prev.isDisposed) checkFits(prev, t, `${what} (assigned by hand?)`);
  }
}

/**
 * Adds `g` into `t.grad`, in place when the backend allows; the first gradient is stored as a private copy,
 * or as itself when it is `owned` (made by a rule for this tensor alone, see `fresh`). A leaf's gradient is
 * kept; a retained gradient of a non-leaf is returned, to live as long as its tensor.
 */
function accumulate(t: Tensor, g: Tensor, owned = false): Tensor | null {
  checkFits(g, t, 'the gradient');
  if (t.grad === null || t.grad.isDisposed) {
    return store(t, owned ? g : g.clone());
  }
  const prev = t.grad;
  const backend = prev.backend;
  if (backend.capabilities.inPlace && g.backend === backend) {
    const args = {
      op: 'add',
      dtype: 'float32',
      a: prev.storage.handle,
      b: g.storage.handle,
      out: prev.storage.handle,
      shape: [prev.size],
      aStrides: [1],
      bStrides: [1],
    } as const;
    runKernel(backend, 'binary', args, 'backward', [prev, g]);
    return null;
  }
  const sum = prev.add(g);
  prev.dispose();
  return store(t, sum);
}

/** Sets `t.grad`: kept for a leaf; for a non-leaf returned, so it can join its tensor's iteration. */
function store(t: Tensor, grad: Tensor): Tensor | null {
  if (t._node) {
    t.grad = grad;
    return grad;
  }
  t.grad = keep(grad);
  return null;
}

/**
 * True when `gi`, the gradient a rule returned for input `k`, is a new tensor only that input receives: not
 * the output's gradient or a saved tensor passed through, not returned for another input too, and the only
 * view of its storage. NOTE: a leaf then stores it as its `.grad` without a copy (later backward passes add
 * into it in place), so anything else that could see it would see those writes.
 */
function fresh(gi: Tensor, k: number, all: Grads, gradOut: Tensor, saved: readonly Tensor[]): boolean {
  if (gi === gradOut || gi.storage.refs !== 1 || saved.includes(gi)) return false;
  for (let j = 0; j < all.length; j++) if (j !== k && all[j] === gi) return false;
  return true;
}

function onesFor(root: Tensor): Tensor {
  const one = empty(root.backend, root.shape, 'float32');
  runKernel(
    root.backend,
    'fill',
    { dtype: 'float32', out: one.storage.handle, offset: 0, n: one.size, value: 1 },
    'backward',
    [root],
  );
  return one;
}

/** Backpropagates from `root`; see `Tensor.backward`. */
export function backward(root: Tensor, grad?: Tensor, options?: BackwardOptions): void {
  if (!root.requiresGrad) {
    throw new AutogradError(
      'backward: this tensor does not require grad and has no graph (did you forget requiresGrad?)',
    );
  }
  if (!grad && root.size !== 1) {
    throw new AutogradError(
      `backward: a gradient can be implied only for a one-element output; this one has shape ${fmtShape(root.shape)}: pass backward(grad)`,
    );
  }
  if (grad !== undefined && grad !== null) {
    if (!isTensor(grad)) throw new ArgumentError(`backward: grad must be a Tensor, got ${typeof grad}`);
    if (grad.isDisposed) throw grad._disposedError('backward: grad');
    if (!sameShape(grad.shape, root.shape)) {
      throw new ShapeError(
        `backward: gradient shape ${fmtShape(grad.shape)} does not match output shape ${fmtShape(root.shape)}`,
      );
    }
    checkFits(grad, root, 'the given gradient');
  }
  const retain = options?.retainGraph ?? false;
  const topLevel = !inScope();
  // Retained gradients of non-leaves are returned from the scope, so they outlive it like their tensors.
  const retained = noGrad(() =>
    tidy(() => {
      const order = topoSort(root);
      checkExistingGrads(order);
      if (topLevel) noteBackward(order);
      const retainedGrads: [Tensor, Tensor][] = [];
      const grads = new Map<Tensor, Tensor>();
      // Gradients a rule (or a sum of two) made and handed to one input only: a leaf may take one as its .grad.
      const owned = new Set<Tensor>();
      grads.set(root, grad ?? onesFor(root));
      for (let i = order.length - 1; i >= 0; i--) {
        const t = order[i];
        let g = grads.get(t);
        if (!g) continue;
        grads.delete(t);
        g = runHooks(t, g);
        const node = t._node;
        if (!node) {
          accumulate(t, g, owned.has(g));
          continue;
        }
        if (t._retainGrad) {
          const kept = accumulate(t, g);
          if (kept) retainedGrads.push([t, kept]);
        }
        if (!node.rule) {
          throw new AutogradError(
            `backward: the graph through '${node.op}' was already freed by an earlier backward(); pass { retainGraph: true } to the first call`,
          );
        }
        const gradOut = g;
        const inputGrads = withRuleFrame(node.op, () =>
          anomalyState.on ? runRuleChecked(node, gradOut, t.shape) : runRule(node, gradOut),
        );
        node.inputs.forEach((input, k) => {
          const gi = inputGrads[k];
          if (!gi || !input.requiresGrad) return;
          const prev = grads.get(input);
          const next = prev ? prev.add(gi) : gi;
          if (prev || fresh(gi, k, inputGrads, gradOut, node.saved)) owned.add(next);
          else owned.delete(next);
          grads.set(input, next);
        });
        if (!retain) releaseNode(node);
      }
      return retainedGrads;
    }),
  );
  for (const [t, g] of retained) adoptLike(g, t);
}
