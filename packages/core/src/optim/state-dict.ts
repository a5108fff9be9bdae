/**
 * Optimizer state dicts: the copy `stateDict()` returns, the load, and the complete check `validateStateDict`
 * runs before `loadStateDict` (and before a checkpoint writes anything): the layout (groups, parameter indices),
 * each group's options (known keys and valid values, as the constructor checks them), and each parameter's
 * state: known keys, a `step` that is an integer >= 1 (a missing or renamed `step` would silently restart bias
 * correction), float32 tensors of the parameter's shape, accumulators that cannot be negative (a negative
 * `expAvgSq` makes the next step write NaN), amsgrad's maximum not below `expAvgSq`, and finite state for
 * constrained parameters (whose steps never make it non-finite, and whose exact projections are not read back).
 */

import { noGrad } from '../autograd/grad-mode.js';
import { enforcement } from '../constraints/registry/store.js';
import { keep, tidy } from '../engine/lifetime.js';
import { ArgumentError, DTypeError, fmtShape, ShapeError } from '../errors.js';
import type { Parameter } from '../nn/parameter.js';
import { compare } from '../ops/compare.js';
import { stack } from '../ops/movement.js';
import { sameShape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { Optimizer } from './optimizer.js';
import { checkKeys, checkNumber, copyOption, describeValue, withContext } from './options.js';
import type { OptimizerStateDict, ParamGroup, ParamState } from './types.js';

/** What an optimizer keeps in one state tensor (see `Optimizer.stateSpec`). */
export interface StateEntrySpec {
  /** The tensor must be present (the update rule would silently restart it otherwise). */
  required: boolean;
  /** No entry can be negative (a running sum or average of squares). */
  nonNegative?: boolean;
  /** No entry can be below the same entry of this other state tensor (amsgrad's running maximum). */
  atLeast?: string;
}

/** An optimizer's state tensors by key (besides `step`), for a group's options. */
export type StateSpec = Record<string, StateEntrySpec>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isTensor(v);
}

/** [non-finite entries, negative entries] of `t`, with one host read. */
function badCounts(t: Tensor): [number, number] {
  if (t.size === 0) return [0, 0];
  // NOTE: x·0 is 0 for finite x and NaN for NaN and ±Infinity; NaN < 0 is false, so NaN is not "negative".
  const d = noGrad(() =>
    tidy(() => stack([compare('ne', t.mul(0), 0).float().sum(), compare('lt', t, 0).float().sum()]).dataSync()),
  );
  return [d[0], d[1]];
}

/** Entries of `t` below those of `floor`, with one host read. */
function countBelow(t: Tensor, floor: Tensor): number {
  return noGrad(() => tidy(() => compare('lt', t, floor.to(t.backend)).float().sum().item()));
}

/** Throws a `CpError` unless `sd` can be loaded into `opt`; reads `sd` only. */
export function validateStateDict(opt: Optimizer, sd: OptimizerStateDict): void {
  const name = `${opt.constructor.name}.loadStateDict`;
  if (!isRecord(sd)) throw new ArgumentError(`${name}: expected { state, paramGroups }, got ${describeValue(sd)}`);
  if (!Array.isArray(sd.paramGroups)) {
    throw new ArgumentError(`${name}: paramGroups must be an array of groups, got ${describeValue(sd.paramGroups)}`);
  }
  if (!isRecord(sd.state)) {
    throw new ArgumentError(
      `${name}: state must be an object keyed by parameter index, got ${describeValue(sd.state)}`,
    );
  }
  if (sd.paramGroups.length !== opt.paramGroups.length) {
    throw new ArgumentError(
      `${name}: the state dict has ${sd.paramGroups.length} parameter groups, this optimizer ${opt.paramGroups.length}`,
    );
  }
  const byIndex = new Map<number, { param: Parameter; group: ParamGroup }>();
  sd.paramGroups.forEach((g, i) => {
    const where = `${name}: group ${i}`;
    if (!isRecord(g)) throw new ArgumentError(`${where}: expected an object with 'params', got ${describeValue(g)}`);
    const own = opt.paramGroups[i];
    if (!Array.isArray(g.params)) {
      throw new ArgumentError(
        `${where}: 'params' must be an array of parameter indices, got ${describeValue(g.params)}`,
      );
    }
    if (g.params.length !== own.params.length) {
      throw new ArgumentError(
        `${where}: ${g.params.length} parameters in the state dict, ${own.params.length} in this optimizer's group`,
      );
    }
    const keys = Object.keys(g).filter((k) => k !== 'params');
    opt._checkGroupKeys(where, keys, true);
    const merged = { ...own } as ParamGroup;
    for (const k of keys) merged[k] = g[k];
    opt._checkGroup(merged, where);
    g.params.forEach((idx: unknown, j: number) => {
      if (!Number.isInteger(idx) || (idx as number) < 0) {
        throw new ArgumentError(`${where}: parameter index ${describeValue(idx)} is not an integer >= 0`);
      }
      if (byIndex.has(idx as number)) throw new ArgumentError(`${where}: parameter index ${idx} appears twice`);
      byIndex.set(idx as number, { param: own.params[j], group: merged });
    });
  });
  for (const [key, entry] of Object.entries(sd.state)) {
    const idx = /^\d+$/.test(key) ? Number(key) : Number.NaN;
    const target = byIndex.get(idx);
    if (!target) {
      throw new ArgumentError(
        `${name}: state for parameter ${Number.isNaN(idx) ? `'${key}'` : key}, which is not an index in the state dict's groups (${[...byIndex.keys()].join(', ')})`,
      );
    }
    validateEntry(opt, `${name}: parameter ${idx}`, entry, target.param, target.group);
  }
}

function validateEntry(opt: Optimizer, where: string, entry: unknown, param: Parameter, group: ParamGroup): void {
  if (!isRecord(entry)) {
    throw new ArgumentError(
      `${where}: the state must be an object of tensors and numbers, got ${describeValue(entry)}`,
    );
  }
  const spec = opt._stateSpec(group);
  if (spec) checkKeys(where, Object.keys(entry), ['step', ...Object.keys(spec)], 'state key');
  if (entry.step === undefined) {
    throw new ArgumentError(
      `${where}: 'step' is missing (the number of steps taken: without it bias correction and decays would restart)`,
    );
  }
  withContext(where, () => checkNumber('step', 'step', entry.step, { min: 1, integer: true }));
  for (const [k, s] of Object.entries(spec ?? {})) {
    if (s.required && entry[k] === undefined) {
      throw new ArgumentError(`${where}: '${k}' is missing (the update rule keeps it from the first step on)`);
    }
  }
  const constrained = enforcement(param) !== 'none';
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'step' || v === undefined) continue;
    if (!isTensor(v)) {
      if (spec) throw new ArgumentError(`${where}: '${k}' must be a tensor, got ${describeValue(v)}`);
      continue;
    }
    if (v.isDisposed) throw new ArgumentError(`${where}: '${k}' is a disposed tensor`);
    if (v.dtype !== 'float32') throw new DTypeError(`${where}: '${k}' has dtype ${v.dtype}; expected float32`);
    if (spec && !sameShape(v.shape, param.shape)) {
      throw new ShapeError(
        `${where}: '${k}' has shape ${fmtShape(v.shape)}, but the parameter's shape is ${fmtShape(param.shape)}`,
      );
    }
    const nonNegative = spec?.[k]?.nonNegative ?? false;
    if (!constrained && !nonNegative) continue;
    const [nonFinite, negative] = badCounts(v);
    if (constrained && nonFinite > 0) {
      throw new ArgumentError(
        `${where}: '${k}' has ${nonFinite} non-finite entries; a constrained parameter's optimizer state is always finite`,
      );
    }
    if (nonNegative && negative > 0) {
      throw new ArgumentError(
        `${where}: '${k}' has ${negative} negative entries; it is a sum of squares, never negative`,
      );
    }
  }
  for (const [k, s] of Object.entries(spec ?? {})) {
    const t = entry[k];
    const floor = s.atLeast === undefined ? undefined : entry[s.atLeast];
    if (!isTensor(t) || !isTensor(floor)) continue;
    const below = countBelow(t, floor);
    if (below > 0) {
      throw new ArgumentError(
        `${where}: '${k}' is below ${s.atLeast} at ${below} entries; it is the running maximum of ${s.atLeast}, never below it`,
      );
    }
  }
}

/** A copy of `opt`'s state (tensors are cloned) and group options, with parameters as indices. */
export function stateDictOf(opt: Optimizer): OptimizerStateDict {
  const index = new Map<Parameter, number>();
  let i = 0;
  for (const p of opt.parameters()) index.set(p, i++);
  const state: OptimizerStateDict['state'] = {};
  for (const [p, s] of opt.state) {
    const entry: Record<string, Tensor | number> = {};
    for (const [k, v] of Object.entries(s)) entry[k] = isTensor(v) ? noGrad(() => v.clone()) : v;
    state[index.get(p)!] = entry;
  }
  const paramGroups = opt.paramGroups.map((g) => {
    const out: Record<string, unknown> & { params: number[] } = { params: g.params.map((p) => index.get(p)!) };
    for (const [k, v] of Object.entries(g)) if (k !== 'params') out[k] = copyOption(v);
    return out;
  });
  return { state, paramGroups };
}

/**
 * Loads a state dict that `validateStateDict` accepted into `opt`: every tensor is copied before anything is
 * replaced, so a failure (out of memory) leaves `opt` as it was.
 */
export function loadStateDict(opt: Optimizer, sd: OptimizerStateDict): void {
  const byIndex = new Map<number, Parameter>();
  sd.paramGroups.forEach((g, gi) => {
    g.params.forEach((idx, j) => {
      byIndex.set(idx, opt.paramGroups[gi].params[j]);
    });
  });
  const loaded = new Map<Parameter, ParamState>();
  noGrad(() =>
    tidy(() => {
      for (const [key, entry] of Object.entries(sd.state)) {
        const p = byIndex.get(Number(key))!;
        const s: ParamState = {};
        for (const [k, v] of Object.entries(entry)) s[k] = isTensor(v) ? v.to(p.backend).clone() : v;
        loaded.set(p, s);
      }
      for (const s of loaded.values()) for (const v of Object.values(s)) if (isTensor(v)) keep(v);
    }),
  );
  for (const s of opt.state.values()) for (const v of Object.values(s)) if (isTensor(v)) v.dispose();
  opt.state.clear();
  for (const [p, s] of loaded) opt.state.set(p, s);
  sd.paramGroups.forEach((g, i) => {
    for (const [k, v] of Object.entries(g))
      if (k !== 'params') (opt.paramGroups[i] as Record<string, unknown>)[k] = copyOption(v);
  });
}
