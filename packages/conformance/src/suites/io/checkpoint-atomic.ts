/**
 * A checkpoint that cannot be loaded changes nothing: model values, raw tensors, constraints, buffers,
 * optimizer state and the default generator stay bit-identical, and the error is a clear `CheckpointError`
 * or `SafetensorsError` naming the key. Covers the damage that used to half-load or load in silence.
 */
import * as cp from '@cp/core';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { disposeTrained, snapshot, type Trained, trained } from './fixture.js';

type Tensors = Map<string, cp.RawTensor>;

/** Decodes `bytes`, lets `edit` change the tensors and metadata, and encodes the result. */
function rewrite(bytes: Uint8Array, edit: (tensors: Tensors, meta: Record<string, string>) => void): Uint8Array {
  const { tensors, metadata } = cp.decodeSafetensors(bytes);
  edit(tensors, metadata);
  return cp.encodeSafetensors(tensors, metadata);
}

/** The bytes with the first occurrence of `from` in the header replaced by `to` (same length). */
function patchHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = new TextDecoder().decode(
    bytes.subarray(8, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))),
  );
  const at = text.indexOf(from);
  if (at < 0 || from.length !== to.length) throw new Error(`patchHeader: '${from}' not in the header`);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(to), 8 + at);
  return out;
}

const f32 = (values: number[], shape: number[]): cp.RawTensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});

/** Failed loads leave every piece of state as it was. */
export function checkpointAtomicSuite(_ctx: SuiteContext): void {
  describe('a checkpoint that fails to load changes nothing', () => {
    let source: Trained;
    let target: Trained;
    let good: Uint8Array;

    beforeEach(() => {
      source = trained(1);
      good = cp.saveCheckpoint({ model: source.model, optimizer: source.opt, metadata: { epoch: 1 } });
      target = trained(2, 3);
      cp.manualSeed(99);
    });
    afterEach(() => {
      disposeTrained(source);
      disposeTrained(target);
    });

    /** Loads `bytes` into the target, expecting `error` and no change at all. */
    function rejects(bytes: Uint8Array, error: RegExp, cls: typeof cp.CpError = cp.CheckpointError): void {
      const before = snapshot(target.model, target.opt);
      let thrown: unknown;
      try {
        cp.loadCheckpoint(bytes, { model: target.model, optimizer: target.opt });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(cls);
      expect((thrown as Error).message).toMatch(error);
      expect(snapshot(target.model, target.opt)).toEqual(before);
    }

    test('the good file loads, and equals the source', () => {
      cp.loadCheckpoint(good, { model: target.model, optimizer: target.opt });
      cp.manualSeed(5);
      const rng = cp.defaultGenerator.getState();
      cp.loadCheckpoint(good, { model: target.model, optimizer: target.opt, restoreRng: false });
      expect(cp.defaultGenerator.getState()).toEqual(rng);
      cp.loadCheckpoint(good, { model: target.model, optimizer: target.opt });
      expect(snapshot(target.model, target.opt)).toEqual(snapshot(source.model, source.opt));
    });

    test('one flipped byte in a constraint name', () => {
      rejects(
        patchHeader(good, 'maxNorm', 'maxNorn'),
        /unknown constraint 'maxNorn'.*'0\.weight'|'0\.weight'.*unknown constraint 'maxNorn'/s,
      );
    });

    test('a constraint spec that is not a spec', () => {
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.constraints'] = '{"0.weight": [{"name": 5}]}';
        }),
        /'0\.weight'/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.constraints'] = '{"0.weight": {"name": "nonNeg"}}';
        }),
        /'0\.weight'/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.constraints'] = '[1]';
        }),
        /cp\.constraints/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.constraints'] = '{"nope": [{"name": "nonNeg", "options": {}}]}';
        }),
        /'nope'/,
      );
    });

    test('a raw tensor of the wrong shape', () => {
      rejects(
        rewrite(good, (t) => t.set('raw.3.scale', f32([0.5], [1]))),
        /size mismatch for the raw tensor of '3\.scale': it has shape \[1\], the parameter \[2\]/,
      );
    });

    test('a NaN or an infeasible value in a constrained weight', () => {
      const nan = rewrite(good, (t) => {
        (t.get('model.0.weight')!.data as Float32Array)[0] = Number.NaN;
      });
      rejects(nan, /'0\.weight'.*NaN/);
      const negative = rewrite(good, (t) => {
        (t.get('model.2.weight')!.data as Float32Array)[1] = -1;
      });
      rejects(negative, /'2\.weight'.*the value is off by 1, which 'nonNeg\(\)' does not accept/);
      const long = rewrite(good, (t) => {
        (t.get('model.0.weight')!.data as Float32Array).fill(3);
      });
      rejects(long, /'0\.weight'.*the value is off by [\d.]+, which 'maxNorm\(max=0\.8, dim=1\)' does not accept/);
    });

    test('a NaN in a raw tensor', () => {
      rejects(
        rewrite(good, (t) => {
          (t.get('raw.2.bias')!.data as Float32Array)[0] = Number.NaN;
        }),
        /'2\.bias'.*raw tensor/,
      );
    });

    test('a float32 tensor declared int32 (its bit patterns would load as integers)', () => {
      const asInt = rewrite(good, (t) => {
        const w = t.get('model.0.weight')!;
        t.set('model.0.weight', {
          ...w,
          dtype: 'int32',
          data: new Int32Array(w.data.buffer, w.data.byteOffset, w.data.length),
        });
      });
      rejects(asInt, /dtype mismatch for '0\.weight': the state dict has int32, the module has float32/);
      const buffer = rewrite(good, (t) => t.set('model.3.seen', f32([3], [1])));
      rejects(buffer, /dtype mismatch for '3\.seen': the state dict has float32, the module has int32/);
    });

    test('optimizer state of the right size but the wrong shape', () => {
      const flat = rewrite(good, (t) => {
        const m = t.get('optimizer.state.0.expAvg')!;
        t.set('optimizer.state.0.expAvg', { ...m, shape: [3, 4] });
      });
      rejects(flat, /'optimizer\.state\.0\.expAvg'.*\[3, 4\].*\[4, 3\]/);
    });

    test('missing, extra and unlisted tensors are named', () => {
      rejects(
        rewrite(good, (t) => t.delete('model.0.bias')),
        /'0\.bias'/,
      );
      rejects(
        rewrite(good, (t) => t.delete('raw.3.scale')),
        /'3\.scale'.*no raw tensor/,
      );
      rejects(
        rewrite(good, (t) => t.set('model.extra', f32([1], [1]))),
        /'extra'/,
      );
      rejects(
        rewrite(good, (t) => t.set('junk', f32([1], [1]))),
        /'junk'/,
      );
      rejects(
        rewrite(good, (t) => t.set('raw.0.weight', f32([1], [1]))),
        /size mismatch for the raw tensor of '0\.weight'/,
      );
      rejects(
        rewrite(good, (t) => t.set('raw.0.weight', { ...t.get('model.0.weight')! })),
        /'0\.weight'.*a raw tensor was given, but its constraints do not reparametrize it/,
      );
      rejects(
        rewrite(good, (t) => t.set('raw.nope', f32([1], [1]))),
        /a raw tensor for 'nope', which is not a parameter/,
      );
      rejects(
        rewrite(good, (t) => t.set('optimizer.state.0.extra', f32([1], [1]))),
        /'optimizer\.state\.0\.extra'/,
      );
      rejects(
        rewrite(good, (t) => t.delete('optimizer.state.1.expAvgSq')),
        /'optimizer\.state\.1\.expAvgSq'/,
      );
    });

    test('malformed optimizer metadata is a CheckpointError, never a TypeError', () => {
      for (const text of [
        'null',
        '5',
        '{}',
        '{"paramGroups": 5, "state": {}}',
        '{"paramGroups": [{"params": "0"}], "state": {}}',
        '{"paramGroups": [null], "state": {}}',
        '{"paramGroups": [{"params": [0, 1, 2, 3, 4, 5]}], "state": {"0": null}}',
        '{"paramGroups": [{"params": [0, 1, 2, 3, 4, 5]}], "state": {"0": {"numbers": {"step": "2"}, "tensors": []}}}',
        '{"paramGroups": [{"params": [0, 1, 2, 3, 4, 5]}], "state": {"0": {"numbers": {}, "tensors": 7}}}',
        '{"paramGroups": [{"params": [0, 0, 2, 3, 4, 5]}], "state": {}}',
        '{"paramGroups": [{"params": [0, 1, 2, 3, 4, 5]}], "state": {"x": {"numbers": {}, "tensors": []}}}',
        '{"paramGroups": [{"params": [0, 1, 2, 3, 4, 5]}], "state": {"9": {"numbers": {}, "tensors": []}}}',
      ]) {
        rejects(
          rewrite(good, (_t, m) => {
            m['cp.optimizer'] = text;
          }),
          /cp\.optimizer|optimizer/,
        );
      }
    });

    test('an optimizer option missing from the file (a renamed amsgrad) is named', () => {
      const renamed = rewrite(good, (_t, m) => {
        m['cp.optimizer'] = m['cp.optimizer'].replace('"amsgrad"', '"amscrad"');
      });
      rejects(renamed, /optimizer group 0 in __metadata__ 'cp.optimizer' has no option 'amsgrad'/);
    });

    test('the optimizer validates its state dict before anything is written', () => {
      const spy = vi.spyOn(target.opt, 'validateStateDict').mockImplementation(() => {
        throw new cp.ArgumentError('loadStateDict: step must be a non-negative integer');
      });
      rejects(good, /step must be a non-negative integer/);
      expect(spy).toHaveBeenCalledTimes(1);
      const [sd] = spy.mock.calls[0];
      expect(Object.keys(sd.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'step']);
      spy.mockRestore();
    });

    test('an all-zero generator state (xoshiro would return 0 forever) and other bad states', () => {
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.rng'] = '[0, 0, 0, 0]';
        }),
        /cp\.rng.*zero/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.rng'] = '[1, 2, 3, 4294967296]';
        }),
        /cp\.rng/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.rng'] = '[1, 2, 3, 0.5]';
        }),
        /cp\.rng/,
      );
      rejects(
        rewrite(good, (_t, m) => {
          m['cp.rng'] = '[1, 2, 3, -1]';
        }),
        /cp\.rng/,
      );
    });

    test('a truncated file is a SafetensorsError', () => {
      rejects(good.subarray(0, good.length - 1), /truncated data/, cp.SafetensorsError);
    });
  });
}
