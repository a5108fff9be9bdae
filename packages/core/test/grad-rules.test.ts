import { describe, expect, test } from 'vitest';
import { type Grads, releaseNode, runRule } from '../src/autograd/node.js';
import { recorder } from '../src/engine/dispatch.js';
import type { Tensor } from '../src/tensor/tensor.js';

/** A stand-in for a tensor: the recorder reads only `requiresGrad` and the step-tensor flag. */
const fake = (requiresGrad: boolean): Tensor =>
  ({ requiresGrad, _stepTensor: true, _node: null, shape: [2] }) as unknown as Tensor;

interface Ops {
  mul: { saved: [a: Tensor, b: Tensor]; ctx: null };
  scale: { saved: []; ctx: number };
}

const seen: { saved: readonly Tensor[]; ctx: unknown; needs: readonly boolean[] }[] = [];
const record = recorder<Ops>({
  mul: (g, saved, ctx, needs): Grads => {
    seen.push({ saved, ctx, needs });
    return [g, g];
  },
  scale: (g, saved, ctx, needs) => {
    seen.push({ saved, ctx, needs });
    return [g];
  },
});

describe('gradient rules as a typed table', () => {
  test('the node holds what the op declared, and the rule receives exactly that', () => {
    const [a, b, out, g] = [fake(true), fake(false), fake(false), fake(false)];
    record(out, 'mul', { inputs: [a, b], saved: [a, b], ctx: null });
    const node = out._node!;
    expect(node.op).toBe('mul');
    expect(node.inputs).toEqual([a, b]);
    expect(node.saved).toEqual([a, b]);
    expect(out.requiresGrad).toBe(true);
    seen.length = 0;
    expect(runRule(node, g)).toEqual([g, g]);
    expect(seen).toEqual([{ saved: [a, b], ctx: null, needs: [true, false] }]);
  });

  test('non-tensor parameters travel as ctx, and a display name can differ from the rule', () => {
    const [x, out, g] = [fake(true), fake(false), fake(false)];
    record(out, 'scale', { name: 'mulScalar', inputs: [x], saved: [], ctx: 2.5 });
    expect(out._node?.op).toBe('mulScalar');
    seen.length = 0;
    runRule(out._node!, g);
    expect(seen[0].ctx).toBe(2.5);
  });

  test('no node is recorded when no input needs a gradient', () => {
    const out = fake(false);
    record(out, 'mul', { inputs: [fake(false), fake(false)], saved: [fake(false), fake(false)], ctx: null });
    expect(out._node).toBeNull();
  });

  test('releasing a node drops its rule, inputs and saved tensors', () => {
    const [a, out] = [fake(true), fake(false)];
    record(out, 'mul', { inputs: [a, a], saved: [a, a], ctx: null });
    const node = out._node!;
    releaseNode(node);
    expect(node).toMatchObject({ rule: null, inputs: [], saved: [] });
  });
});
