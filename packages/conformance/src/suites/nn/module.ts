/**
 * nn.Module mechanics: fields discovered as parameters and children, dotted names, shared parameters
 * counted once, registration errors, hooks, train/eval, lookup by name, printing and zeroGrad.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, tidyTest } from './helpers.js';

const { nn } = cp;

class Mlp extends nn.Module {
  fc1 = new nn.Linear(2, 3);
  act = new nn.ReLU();
  fc2 = new nn.Linear(3, 1);
  override forward(x: cp.Tensor): cp.Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class AutoEncoder extends nn.Module {
  encoder = new nn.Sequential(new nn.Linear(4, 2), new nn.Tanh());
  decoder = new nn.Linear(2, 4);
  scale = new nn.Parameter(cp.ones([1]));
  override forward(x: cp.Tensor): cp.Tensor {
    return this.decoder.call(this.encoder.call(x)).mul(this.scale);
  }
}

/** Module behaviour. */
export function nnModuleSuite(_ctx: SuiteContext): void {
  describe('nn.Module', () => {
    test('Parameter and Module fields assigned in a constructor are registered under their field names', () => {
      const m = new Mlp();
      expect(m.namedParameters().map(([k]) => k)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
      expect(m.namedChildren().map(([k]) => k)).toEqual(['fc1', 'act', 'fc2']);
      m.dispose();
    });

    test('nested modules give dotted names, with Sequential children named by index', () => {
      const m = new AutoEncoder();
      expect(m.namedParameters().map(([k]) => k)).toEqual([
        'scale',
        'encoder.0.weight',
        'encoder.0.bias',
        'decoder.weight',
        'decoder.bias',
      ]);
      expect(m.namedModules().map(([k]) => k)).toEqual(['', 'encoder', 'encoder.0', 'encoder.1', 'decoder']);
      expect(m.namedParameters({ prefix: 'model' })[0][0]).toBe('model.scale');
      expect(m.namedParameters({ recurse: false }).map(([k]) => k)).toEqual(['scale']);
      m.dispose();
    });

    test('a parameter shared by two modules is listed once, under its first name', () => {
      const m = new AutoEncoder();
      const tied = new nn.Linear(4, 4);
      const seq = new nn.Sequential(tied, new nn.ReLU(), tied);
      expect(seq.parameters()).toHaveLength(2);
      expect(seq.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias']);
      const a = new nn.Linear(3, 3);
      const b = new nn.Linear(3, 3);
      b.weight = a.weight;
      const pair = new nn.Sequential(a, b);
      expect(pair.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.bias']);
      expect(pair.numParameters()).toBe(9 + 3 + 3);
      m.dispose();
      seq.dispose();
      pair.dispose();
    });

    test('reassigning a field replaces the registered parameter or module, and null removes it', () => {
      const m = new Mlp();
      const replacement = new nn.Linear(2, 3, { bias: false });
      m.fc1 = replacement;
      expect(m.getSubmodule('fc1')).toBe(replacement);
      expect(m.namedParameters().map(([k]) => k)).toEqual(['fc1.weight', 'fc2.weight', 'fc2.bias']);
      m.fc2.bias = null;
      expect(m.namedParameters().map(([k]) => k)).toEqual(['fc1.weight', 'fc2.weight']);
      m.dispose();
    });

    test('registerParameter rejects plain tensors, dotted or empty names, taken names and method names', () => {
      const m = new nn.Module();
      const p = new nn.Parameter(cp.zeros([2]));
      expect(() => m.registerParameter('w', cp.zeros([2]) as unknown as cp.nn.Parameter)).toThrow(/Parameter or null/);
      expect(() => m.registerParameter('a.b', p)).toThrow(/cannot contain '\.'/);
      expect(() => m.registerParameter('', p)).toThrow(/cannot be empty/);
      expect(() => m.registerParameter('forward', p)).toThrow(/already an attribute/);
      m.registerParameter('w', p);
      expect(() => m.registerParameter('w', new nn.Parameter(cp.zeros([2])))).toThrow(
        /already has a parameter named 'w'/,
      );
      expect(() => m.registerBuffer('w', cp.zeros([2]))).toThrow(/already has a parameter/);
      expect(m.getParameter('w')).toBe(p);
      expect((m as unknown as { w: unknown }).w).toBe(p);
    });

    test('registerModule and addModule add children that are then reachable by name', () => {
      const m = new nn.Module();
      const a = new nn.Linear(1, 1);
      m.registerModule('first', a);
      m.addModule('second', new nn.ReLU());
      expect(m.namedChildren().map(([k]) => k)).toEqual(['first', 'second']);
      expect(m.getSubmodule('first')).toBe(a);
      expect(() => m.registerModule('third', {} as cp.nn.Module)).toThrow(/must be a Module/);
    });

    test('buffers are listed and saved, except non-persistent ones, which are listed only', () => {
      const m = new nn.Module();
      m.registerBuffer('runningMean', cp.zeros([3]));
      m.registerBuffer('mask', cp.ones([3]), { persistent: false });
      expect(m.namedBuffers().map(([k]) => k)).toEqual(['runningMean', 'mask']);
      expect(Object.keys(m.stateDict())).toEqual(['runningMean']);
      expect(m.parameters()).toHaveLength(0);
    });

    test(
      'a forward pre-hook can replace the arguments and a forward hook the output',
      tidyTest(() => {
        const m = new nn.Identity();
        const seen: string[] = [];
        const pre = m.registerForwardPreHook((mod, [x]) => {
          seen.push(`pre ${mod.constructor.name}`);
          return [x.mul(2)];
        });
        const post = m.registerForwardHook((_mod, [x], out) => {
          seen.push('post');
          expectClose(x, [2, 4]);
          return out.add(1);
        });
        expectClose(m.call(cp.tensor([1, 2])), [3, 5]);
        expect(seen).toEqual(['pre Identity', 'post']);
        pre.remove();
        post.remove();
        expectClose(m.call(cp.tensor([1, 2])), [1, 2]);
        expect(seen).toHaveLength(2);
      }),
    );

    test(
      'a hook that returns nothing leaves arguments and output unchanged',
      tidyTest(() => {
        const m = new nn.ReLU();
        let calls = 0;
        m.registerForwardPreHook(() => {
          calls++;
        });
        m.registerForwardHook(() => {
          calls++;
        });
        expectClose(m.call(cp.tensor([-1, 2])), [0, 2]);
        expect(calls).toBe(2);
      }),
    );

    test('train() and eval() set the mode of every descendant', () => {
      const m = new AutoEncoder();
      expect(m.modules().every((x) => x.training)).toBe(true);
      expect(m.eval()).toBe(m);
      expect(m.modules().every((x) => !x.training)).toBe(true);
      m.train();
      expect(m.modules().every((x) => x.training)).toBe(true);
      m.dispose();
    });

    test('getParameter finds a parameter by dotted name and names the available ones when it cannot', () => {
      const m = new AutoEncoder();
      expect(m.getParameter('encoder.0.weight')).toBe((m.encoder.at(0) as cp.nn.Linear).weight);
      expect(() => m.getParameter('encoder.1.weight')).toThrow(/no parameter 'encoder\.1\.weight'.*encoder\.0\.weight/);
      expect(() => m.getParameter('nope')).toThrow(/available: scale, encoder\.0\.weight/);
      expect(m.getSubmodule('encoder.1')).toBeInstanceOf(nn.Tanh);
      expect(() => m.getSubmodule('encoder.5')).toThrow(/no submodule '5'.*children are: 0, 1/);
      m.dispose();
    });

    test('apply visits children before their parent', () => {
      const m = new Mlp();
      const order: string[] = [];
      m.apply((x) => order.push(x.constructor.name));
      expect(order).toEqual(['Linear', 'ReLU', 'Linear', 'Mlp']);
      m.dispose();
    });

    test('toString prints a PyTorch-like tree', () => {
      const m = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Sequential(new nn.Dropout(0.1)));
      expect(m.toString()).toBe(
        'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): ReLU()\n  (2): Sequential(\n    (0): Dropout(p=0.1)\n  )\n)',
      );
      m.dispose();
    });

    test('numParameters counts the elements of every parameter', () => {
      const m = new Mlp();
      expect(m.numParameters()).toBe(2 * 3 + 3 + 3 * 1 + 1);
      m.fc1.weight.requiresGrad_(false);
      expect(m.numParameters({ trainableOnly: true })).toBe(3 + 3 + 1);
      m.dispose();
    });

    test('zeroGrad sets every gradient to null', () => {
      const m = new Mlp();
      cp.tidy(() =>
        m
          .call(cp.ones([4, 2]))
          .sum()
          .backward(),
      );
      expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
      m.zeroGrad();
      expect(m.parameters().every((p) => p.grad === null)).toBe(true);
      m.dispose();
    });

    test(
      'Sequential is indexable, iterable and runs its modules in order',
      tidyTest(() => {
        const relu = new nn.ReLU();
        const seq = new nn.Sequential(new nn.Identity(), relu);
        expect(seq.length).toBe(2);
        expect(seq.at(-1)).toBe(relu);
        expect([...seq]).toHaveLength(2);
        expect(() => seq.at(2)).toThrow(/out of range/);
        seq.append(new nn.Sigmoid());
        expectClose(seq.call(cp.tensor([-5, 0])), [0.5, 0.5]);
      }),
    );

    test('calling a module without a forward is an error naming the class', () => {
      expect(() => new nn.Module().call(cp.zeros([1]))).toThrow(/Module: forward\(\) is not implemented/);
    });
  });
}
