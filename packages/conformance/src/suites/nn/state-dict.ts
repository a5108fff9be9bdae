/**
 * nn.Module state dicts: dotted keys, detached views that share storage, in-place loading that keeps the
 * Parameter objects, strict-mode errors naming the keys, shape mismatches always rejected.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { expectClose, setParam } from './helpers.js';

const { nn } = cp;

function model(): cp.nn.Sequential {
  return new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU(), new nn.Linear(3, 1));
}

/** State dict behaviour. */
export function nnStateDictSuite(_ctx: SuiteContext): void {
  describe('nn state dicts', () => {
    test('stateDict holds every parameter under its dotted name', () => {
      const m = model();
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
      expect(sd['0.weight'].shape).toEqual([3, 2]);
      expect(Object.keys(m.stateDict({ prefix: 'net' }))[0]).toBe('net.0.weight');
      m.dispose();
    });

    test('stateDict entries are detached views sharing the parameters storage', () => {
      const m = new nn.Linear(2, 1);
      const sd = m.stateDict();
      expect(sd.weight).not.toBe(m.weight);
      expect(sd.weight.requiresGrad).toBe(false);
      setParam(m.weight, [[7, 8]]);
      expectClose(sd.weight, [[7, 8]]);
      m.dispose();
    });

    test('loading a state dict copies the values into the same Parameter objects', () => {
      const a = model();
      const b = model();
      const params = b.parameters();
      const result = b.loadStateDict(a.stateDict());
      expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(b.parameters()).toEqual(params);
      for (const [i, p] of b.parameters().entries()) {
        expect(Array.from(p.dataSync())).toEqual(Array.from(a.parameters()[i].dataSync()));
      }
      expect(b.parameters().every((p) => p.requiresGrad)).toBe(true);
      a.dispose();
      b.dispose();
    });

    test('a model reloaded from its own state dict computes the same outputs', () => {
      const a = model();
      const b = model();
      b.loadStateDict(a.stateDict());
      cp.tidy(() => {
        const x = cp.tensor([
          [1, -1],
          [0.5, 2],
        ]);
        expect(Array.from(b.call(x).dataSync())).toEqual(Array.from(a.call(x).dataSync()));
      });
      a.dispose();
      b.dispose();
    });

    test('strict loading rejects a missing key and names it', () => {
      const m = model();
      const sd = m.stateDict();
      delete sd['2.bias'];
      expect(() => m.loadStateDict(sd)).toThrow(/Missing key\(s\): '2\.bias'/);
      m.dispose();
    });

    test('strict loading rejects an unexpected key and names it', () => {
      const m = model();
      const sd = { ...m.stateDict(), 'extra.weight': cp.zeros([1]) };
      expect(() => m.loadStateDict(sd)).toThrow(cp.nn.StateDictError);
      expect(() => m.loadStateDict(sd)).toThrow(/Unexpected key\(s\): 'extra\.weight'/);
      m.dispose();
    });

    test('non-strict loading reports missing and unexpected keys and loads the rest', () => {
      const src = new nn.Linear(2, 3);
      const dst = new nn.Linear(2, 3);
      const sd: cp.nn.StateDict = { weight: src.stateDict().weight, other: cp.ones([2]) };
      const result = dst.loadStateDict(sd, { strict: false });
      expect(result).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['other'] });
      expect(Array.from(dst.weight.dataSync())).toEqual(Array.from(src.weight.dataSync()));
      src.dispose();
      dst.dispose();
    });

    test('a shape mismatch is rejected even when not strict, naming the key and both shapes, and nothing is loaded', () => {
      const m = new nn.Linear(2, 3);
      const before = Array.from(m.bias!.dataSync());
      const sd = { weight: cp.zeros([2, 3]), bias: cp.zeros([3]) };
      expect(() => m.loadStateDict(sd, { strict: false })).toThrow(/size mismatch for 'weight'.*\[2, 3\].*\[3, 2\]/);
      expect(Array.from(m.bias!.dataSync())).toEqual(before);
      m.dispose();
    });

    test('persistent buffers are saved and loaded; non-persistent ones are neither', () => {
      const make = (v: number) => {
        const m = new nn.Module();
        m.registerBuffer('count', cp.full([1], v));
        m.registerBuffer('scratch', cp.full([1], v), { persistent: false });
        return m;
      };
      const a = make(5);
      const b = make(1);
      expect(Object.keys(a.stateDict())).toEqual(['count']);
      b.loadStateDict(a.stateDict());
      expect(b.getBuffer('count').item()).toBe(5);
      expect(b.getBuffer('scratch').item()).toBe(1);
    });

    test('the state dict metadata is not an enumerable key', () => {
      const m = new nn.Linear(1, 1);
      const sd = m.stateDict();
      expect(Object.keys(sd)).toEqual(['weight', 'bias']);
      expect(cp.nn.stateDictMetadata(sd)).toEqual({ constraints: {} });
      m.dispose();
    });
  });
}
