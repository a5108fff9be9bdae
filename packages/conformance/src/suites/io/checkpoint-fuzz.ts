/**
 * Checkpoint fuzzing: thousands of damaged copies of a real checkpoint (the fixture's constrained model and its
 * Adam state, see mutations.ts) are loaded into another trained model. Each load must end in a
 * `SafetensorsError` or `CheckpointError`, after which the model, its constraints, the optimizer and the
 * generator are bit-identical; or in a correct load: everything equals what the damaged bytes say (read here
 * independently), and every constraint holds. Never a crash, a bare TypeError/RangeError, or a wrong model.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { bytesOf, disposeTrained, snapshot, trained } from './fixture.js';
import { applyMutation, fileInfo, mutation } from './mutations.js';

const NAMED: Record<string, number> = { Infinity: Infinity, '-Infinity': -Infinity, NaN: Number.NaN, '-0': -0 };

/** Exact JSON read independently of cp's reader: tagged numbers and wrapped objects. */
function parseExact(text: string): unknown {
  return JSON.parse(text, (_k, v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$cp.number') return NAMED[v[keys[0]]];
    if (keys.length === 1 && keys[0] === '$cp.object') return v[keys[0]];
    return v;
  });
}

function rawBytes(t: cp.RawTensor): number[] {
  return Array.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/** JSON that keeps non-finite numbers and -0 apart. */
function exact(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `#${String(x)}#` : x,
  );
}

/** The specs a model carries after loading `list`: each built by its factory, value specs first. */
function expectedSpecs(list: cp.constraints.ConstraintSpec[]): unknown[] {
  const built = list.map((s) => ({ s, c: cp.constraints.fromSpec(s) }));
  return [
    ...built
      .filter(({ s }) => s.target !== 'grad')
      .map(({ s, c }) => ({ ...c.toSpec(), mode: s.mode ?? c.defaultMode })),
    ...built.filter(({ s }) => s.target === 'grad').map(({ c }) => ({ ...c.toSpec(), target: 'grad' })),
  ];
}

/** Checks that the loaded model and optimizer hold exactly what `bytes` say. */
function expectLoadedAsSaid(bytes: Uint8Array, model: cp.nn.Module, opt: cp.optim.Adam, loaded: cp.LoadedCheckpoint) {
  const { tensors, metadata } = cp.decodeSafetensors(bytes);
  const state = model.stateDict();
  const params = new Map(model.namedParameters());
  const saved = cp.decodeSafetensors(cp.saveCheckpoint({ model })).tensors;
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) {
      expect(state[name.slice(6)].dtype, name).toBe(t.dtype);
      expect(bytesOf(state[name.slice(6)]), name).toEqual(rawBytes(t));
    } else if (name.startsWith('raw.')) {
      expect(rawBytes(saved.get(name)!), name).toEqual(rawBytes(t));
    }
  }
  const specs = parseExact(metadata['cp.constraints']) as Record<string, cp.constraints.ConstraintSpec[]>;
  for (const [k, list] of Object.entries(specs))
    expect(exact(cp.constraints.constraintSpecs(params.get(k)!)), k).toBe(exact(expectedSpecs(list)));
  expect(model.constraintReport().filter((e) => !e.ok)).toEqual([]);
  const meta = parseExact(metadata['cp.optimizer']) as {
    paramGroups: Record<string, unknown>[];
    state: Record<string, { numbers: Record<string, number>; tensors: string[] }>;
  };
  const order = meta.paramGroups.flatMap((g) => g.params as number[]);
  const all = opt.paramGroups.flatMap((g) => g.params);
  expect(opt.state.size).toBe(Object.keys(meta.state).length);
  for (const [index, entry] of Object.entries(meta.state)) {
    const s = opt.state.get(all[order.indexOf(Number(index))])!;
    expect(Object.keys(s).sort()).toEqual([...Object.keys(entry.numbers), ...entry.tensors].sort());
    for (const [k, v] of Object.entries(entry.numbers)) expect(s[k]).toBe(v);
    for (const k of entry.tensors)
      expect(bytesOf(s[k] as cp.Tensor)).toEqual(rawBytes(tensors.get(`optimizer.state.${index}.${k}`)!));
  }
  meta.paramGroups.forEach((g, i) => {
    const { params: _p, ...options } = g;
    const { params: _q, ...now } = opt.paramGroups[i];
    expect(exact(now)).toBe(exact(options));
  });
  expect(cp.defaultGenerator.getState()).toEqual(parseExact(metadata['cp.rng']));
  const user = Object.fromEntries(
    Object.entries(metadata)
      .filter(([k]) => !k.startsWith('cp.'))
      .map(([k, v]) => [k, parseExact(v)]),
  );
  expect(loaded.metadata).toEqual(user);
}

// NOTE: no Node types here: the suite also runs in browsers, where there is no `process`.
const env: Record<string, string | undefined> =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** The checkpoint fuzzing suite. */
export function checkpointFuzzSuite(ctx: SuiteContext): void {
  describe('checkpoint fuzzing', () => {
    test('every damaged checkpoint is a clear error that changes nothing, or loads exactly what it says', () => {
      const source = trained(1);
      const good = cp.saveCheckpoint({ model: source.model, optimizer: source.opt, metadata: { epoch: 1 } });
      disposeTrained(source);
      const target = trained(2, 3);
      cp.manualSeed(99);
      const own = cp.saveCheckpoint({ model: target.model, optimizer: target.opt, metadata: { epoch: 0 } });
      const baseline = snapshot(target.model, target.opt);
      const info = fileInfo(good);
      const options = target.opt.paramGroups.map((g) => new Set(Object.keys(g)));
      /** Puts the target back: its own checkpoint, minus the group options a load added (loading removes none). */
      const restore = () => {
        cp.loadCheckpoint(own, { model: target.model, optimizer: target.opt });
        target.opt.paramGroups.forEach((g, i) => {
          for (const k of Object.keys(g)) if (!options[i].has(k)) delete g[k];
        });
      };
      const outcomes = new Map<string, number>();
      const started = Date.now();
      let dirty = false;
      try {
        fc.assert(
          fc.property(mutation(info), (m) => {
            // NOTE: a failed run may leave the target changed; restore it so shrinking sees the same start.
            if (dirty) restore();
            dirty = true;
            const bytes = applyMutation(good, info, m);
            let loaded: cp.LoadedCheckpoint | null = null;
            try {
              loaded = cp.loadCheckpoint(bytes, { model: target.model, optimizer: target.opt });
            } catch (e) {
              if (!(e instanceof cp.SafetensorsError || e instanceof cp.CheckpointError)) throw e;
              expect(e.message).toMatch(/^(safetensors|loadCheckpoint): /);
              outcomes.set(e.name, (outcomes.get(e.name) ?? 0) + 1);
              expect(snapshot(target.model, target.opt)).toEqual(baseline);
              dirty = false;
              return;
            }
            outcomes.set('loaded', (outcomes.get('loaded') ?? 0) + 1);
            expectLoadedAsSaid(bytes, target.model, target.opt, loaded);
            restore();
            expect(snapshot(target.model, target.opt)).toEqual(baseline);
            dirty = false;
          }),
          { numRuns: ctx.numRuns * 17, seed: ctx.seed },
        );
      } finally {
        disposeTrained(target);
      }
      if (env.CP_FUZZ_REPORT)
        console.info(
          `checkpoint fuzzing on ${ctx.name}: ${JSON.stringify(Object.fromEntries(outcomes))} in ${Date.now() - started} ms`,
        );
      // Both ends are reached: damage that is caught, and damage that leaves a loadable file.
      expect(outcomes.get('loaded')).toBeGreaterThan(0);
      expect(outcomes.get('CheckpointError')).toBeGreaterThan(0);
      expect(outcomes.get('SafetensorsError')).toBeGreaterThan(0);
    });
  });
}
