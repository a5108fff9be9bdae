/**
 * nn containers: ModuleList, ModuleDict and ParameterList register their entries under PyTorch's keys
 * ('0.weight', 'enc.bias'), train through an optimizer, round-trip through state dicts; a plain array or
 * object of modules or parameters in a field is a ModuleError naming the container to use.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const { nn } = cp;

class Tower extends nn.Module {
  blocks = new nn.ModuleList([new nn.Linear(2, 3), new nn.Linear(3, 1)]);
  heads = new nn.ModuleDict({ a: new nn.Linear(1, 1), b: new nn.Linear(1, 2, { bias: false }) });
  scales = new nn.ParameterList([new nn.Parameter(cp.ones([1])), new nn.Parameter(cp.ones([2]))]);
  override forward(x: cp.Tensor): cp.Tensor {
    let y = x;
    for (const b of this.blocks) y = b.call(y) as cp.Tensor;
    return (this.heads.get('b').call(this.heads.get('a').call(y)) as cp.Tensor)
      .mul(this.scales.at(1))
      .mul(this.scales.at(0));
  }
}

/** Container behaviour. */
export function nnContainersSuite(_ctx: SuiteContext): void {
  describe('nn containers', () => {
    test('ModuleList, ModuleDict and ParameterList register under PyTorch state-dict keys', () => {
      const m = new Tower();
      expect(Object.keys(m.stateDict())).toEqual([
        'blocks.0.weight',
        'blocks.0.bias',
        'blocks.1.weight',
        'blocks.1.bias',
        'heads.a.weight',
        'heads.a.bias',
        'heads.b.weight',
        'scales.0',
        'scales.1',
      ]);
      expect(m.numParameters()).toBe(6 + 3 + 3 + 1 + (1 + 1) + 2 + (1 + 2));
      expect(m.blocks.length).toBe(2);
      expect(m.blocks.at(-1)).toBe(m.blocks.at(1));
      expect(m.heads.keys()).toEqual(['a', 'b']);
      expect(m.heads.has('c')).toBe(false);
      expect(m.scales.length).toBe(2);
      m.dispose();
    });

    test('an optimizer step reaches every parameter held in containers', () => {
      cp.manualSeed(5);
      const m = new Tower();
      const before = m.parameters().map((p) => Array.from(p.dataSync()));
      const opt = new cp.optim.SGD(m.parameters(), { lr: 0.1 });
      cp.tidy(() => {
        const loss = m.call(cp.tensor([[1, -2]])).sum();
        loss.backward();
      });
      opt.step();
      const after = m.parameters().map((p) => Array.from(p.dataSync()));
      for (const [i, b] of before.entries()) expect(after[i], `parameter ${i}`).not.toEqual(b);
      m.dispose();
    });

    test('a state dict saved from containers loads into a fresh model', () => {
      cp.manualSeed(1);
      const a = new Tower();
      cp.manualSeed(2);
      const b = new Tower();
      b.loadStateDict(a.stateDict());
      const x = cp.tensor([[0.5, 1.5]]);
      expect(Array.from(b.call(x).dataSync())).toEqual(Array.from(a.call(x).dataSync()));
      a.dispose();
      b.dispose();
    });

    test('ModuleList.set and ModuleDict.set replace an entry under the same key', () => {
      const list = new nn.ModuleList([new nn.Linear(1, 1)]);
      const repl = new nn.Linear(1, 4);
      list.set(0, repl);
      expect(list.at(0)).toBe(repl);
      expect(list.stateDict()['0.weight'].shape).toEqual([4, 1]);
      const dict = new nn.ModuleDict([['x', new nn.Linear(1, 1)]]);
      dict.set('x', new nn.Linear(1, 5));
      expect(dict.get('x').stateDict().weight.shape).toEqual([5, 1]);
      expect(dict.size).toBe(1);
      list.dispose();
      dict.dispose();
    });

    test('containers reject non-modules, bad indices, unknown keys, and forward()', () => {
      const list = new nn.ModuleList();
      expect(() => list.append(cp.ones([1]) as unknown as cp.nn.Module)).toThrow(
        /ModuleList.append: expected a Module/,
      );
      expect(() => list.at(0)).toThrow(/index 0 is out of range for 0 entries/);
      expect(() => new nn.ParameterList([cp.ones([1]) as cp.nn.Parameter])).toThrow(
        /wrap tensors with new nn.Parameter/,
      );
      expect(() => new nn.ModuleDict({ a: new nn.ReLU() }).get('b')).toThrow(/no module 'b' \(keys: a\)/);
      expect(() => list.call()).toThrow(cp.nn.ModuleError);
    });

    test('a plain array of modules in a field is a ModuleError naming ModuleList, never zero parameters', () => {
      class Bad extends nn.Module {
        layers = [new nn.Linear(2, 2), new nn.Linear(2, 2)];
      }
      const m = new Bad();
      expect(() => m.parameters()).toThrow(cp.nn.ModuleError);
      expect(() => m.parameters()).toThrow(/Bad\.layers: a plain array of modules .*nn\.ModuleList/);
      for (const l of m.layers) l.dispose();
    });

    test('a plain object of modules or an array of parameters in a field is a ModuleError naming the container', () => {
      class BadDict extends nn.Module {
        heads = { a: new nn.Linear(2, 2) };
      }
      class BadParams extends nn.Module {
        ws = [new nn.Parameter(cp.ones([2]))];
      }
      expect(() => new BadDict().stateDict()).toThrow(/BadDict\.heads: a plain object of modules .*nn\.ModuleDict/);
      expect(() => new BadParams().namedParameters()).toThrow(
        /BadParams\.ws: a plain array of parameters .*nn\.ParameterList/,
      );
    });

    test('plain arrays and objects without modules stay ordinary fields', () => {
      class Fine extends nn.Module {
        sizes = [1, 2, 3];
        config = { act: 'relu' };
        fc = new nn.Linear(1, 1);
      }
      const m = new Fine();
      expect(m.namedParameters().map(([k]) => k)).toEqual(['fc.weight', 'fc.bias']);
      m.dispose();
    });
  });
}
