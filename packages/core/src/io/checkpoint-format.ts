/**
 * What a cp checkpoint holds besides raw tensors, and the checks that run on it before anything is built:
 * the `__metadata__` entries (`cp.format`, `cp.rng`, `cp.constraints`, `cp.optimizer`, the caller's keys),
 * written as exact JSON (non-finite numbers survive), and the tensor names (`model.<key>`, `raw.<key>`,
 * `optimizer.state.<index>.<key>`). A malformed entry is a `CheckpointError` naming the key, never a TypeError.
 */
import type { JsonValue } from '../constraints/constraint.js';
import { CpError } from '../errors.js';
import { Generator } from '../tensor/random.js';
import { untag } from './exact-json.js';
import type { RawTensor } from './safetensors.js';

/** The value of `cp.format` in every checkpoint cp writes. */
export const CHECKPOINT_FORMAT = 'cp-checkpoint/1';

/** A checkpoint that does not fit: not a cp checkpoint, bad metadata, or state that the model or optimizer cannot take. */
export class CheckpointError extends CpError {
  override name = 'CheckpointError';
}

/** `cp.optimizer`: the optimizer's groups (options and parameter indices) and which state each parameter has. */
export interface OptimizerMeta {
  paramGroups: (Record<string, unknown> & { params: number[] })[];
  /** Per parameter index, the numeric state (`step`) and the names of its state tensors. */
  state: Record<string, { numbers: Record<string, number>; tensors: string[] }>;
}

/** A checkpoint's tensors sorted by role. */
export interface CheckpointTensors {
  /** `model.<key>`: the state dict. */
  model: Map<string, RawTensor>;
  /** `raw.<key>`: the raw tensors of reparametrized parameters. */
  raw: Map<string, RawTensor>;
  /** `optimizer.state.<index>.<key>`, by their full name. */
  optimizer: Map<string, RawTensor>;
}

function fail(message: string): never {
  throw new CheckpointError(`loadCheckpoint: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const shown = (v: unknown): string => JSON.stringify(v) ?? String(v);

/** The exact-JSON value of `__metadata__[key]`; `undefined` when the entry is absent and not `required`. */
export function readJson(metadata: Record<string, string>, key: string, required: boolean): unknown {
  const text = metadata[key];
  if (text === undefined) {
    if (required) fail(`__metadata__ has no '${key}' entry (every cp checkpoint has one)`);
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`__metadata__ '${key}' is not valid JSON: ${(e as Error).message}`);
  }
  return untag(parsed, (m) => fail(`__metadata__ '${key}' has a malformed tagged value ${m}`));
}

/** Throws unless `cp.format` is this version's. */
export function checkFormat(metadata: Record<string, string>): void {
  const format = metadata['cp.format'];
  if (format === CHECKPOINT_FORMAT) return;
  const found = format === undefined ? 'no cp.format entry' : `cp.format '${format}'`;
  fail(`not a cp checkpoint: __metadata__ has ${found}, expected '${CHECKPOINT_FORMAT}'`);
}

/** `cp.rng`: a state the default generator accepts (4 unsigned 32-bit words, not all zero). */
export function readRng(metadata: Record<string, string>): number[] {
  const state = readJson(metadata, 'cp.rng', true);
  if (!Array.isArray(state) || state.length !== 4 || !state.every((w) => typeof w === 'number'))
    fail(`__metadata__ 'cp.rng' must be 4 numbers, got ${metadata['cp.rng']}`);
  try {
    new Generator().setState(state);
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: __metadata__ 'cp.rng': ${(e as Error).message}`, { cause: e });
  }
  return state;
}

/** `cp.constraints`: an object of spec lists by parameter name (the lists are checked when the model loads). */
export function readConstraints(metadata: Record<string, string>): Record<string, unknown> {
  const specs = readJson(metadata, 'cp.constraints', true);
  if (!isObject(specs))
    fail(`__metadata__ 'cp.constraints' must be an object of constraint spec lists, got ${shown(specs)}`);
  return specs;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** `cp.optimizer`, validated for structure: groups with a permutation of the parameter indices, and state entries. */
export function readOptimizerMeta(metadata: Record<string, string>): OptimizerMeta | null {
  const meta = readJson(metadata, 'cp.optimizer', false);
  if (meta === undefined) return null;
  const bad: (what: string) => never = (what) => fail(`__metadata__ 'cp.optimizer' ${what}`);
  if (!isObject(meta) || !Array.isArray(meta.paramGroups) || !isObject(meta.state))
    bad(`must be {paramGroups: [...], state: {...}}, got ${shown(meta)}`);
  const groups = meta.paramGroups as unknown[];
  const seen = new Set<number>();
  groups.forEach((g, i) => {
    if (!isObject(g) || !Array.isArray(g.params) || !g.params.every(isIndex))
      bad(`paramGroups[${i}] must be an object with 'params', a list of parameter indices, got ${shown(g)}`);
    if (Object.hasOwn(g, '__proto__')) bad(`paramGroups[${i}] has an option named '__proto__'`);
    for (const p of g.params as number[]) {
      if (seen.has(p)) bad(`lists parameter index ${p} twice`);
      seen.add(p);
    }
  });
  for (let i = 0; i < seen.size; i++)
    if (!seen.has(i)) bad(`paramGroups must list parameter indices 0 to ${seen.size - 1}, but ${i} is missing`);
  for (const [index, entry] of Object.entries(meta.state as Record<string, unknown>)) {
    if (!/^(0|[1-9]\d*)$/.test(index) || !seen.has(Number(index)))
      bad(`has state for '${index}', which is not a parameter index (0 to ${seen.size - 1})`);
    if (!isObject(entry) || !isObject(entry.numbers) || !Array.isArray(entry.tensors))
      bad(`state '${index}' must be {numbers: {...}, tensors: [...]}, got ${shown(entry)}`);
    for (const [k, v] of Object.entries(entry.numbers as Record<string, unknown>)) {
      if (typeof v !== 'number') bad(`state '${index}' number '${k}' must be a number, got ${shown(v)}`);
      if (k === '__proto__') bad(`state '${index}' has a number named '__proto__'`);
    }
    const names = entry.tensors as unknown[];
    if (!names.every((k) => typeof k === 'string' && k !== '__proto__') || new Set(names).size !== names.length)
      bad(`state '${index}' tensors must be distinct names, got ${shown(names)}`);
    for (const k of names as string[])
      if (Object.hasOwn(entry.numbers as object, k)) bad(`state '${index}' lists '${k}' as a number and a tensor`);
  }
  return meta as unknown as OptimizerMeta;
}

/** The caller's own entries (keys not starting with `cp.`), decoded. */
export function readUserMetadata(metadata: Record<string, string>): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.keys(metadata)
      .filter((k) => !k.startsWith('cp.'))
      .map((k) => [k, readJson(metadata, k, true) as JsonValue]),
  );
}

/**
 * Sorts the tensors by role. An unknown name, an optimizer tensor that `cp.optimizer` does not list, and a
 * listed one that is absent are errors.
 */
export function sortTensors(tensors: Map<string, RawTensor>, optimizer: OptimizerMeta | null): CheckpointTensors {
  const out: CheckpointTensors = { model: new Map(), raw: new Map(), optimizer: new Map() };
  const listed = new Set<string>();
  for (const [index, entry] of Object.entries(optimizer?.state ?? {}))
    for (const key of entry.tensors) listed.add(`optimizer.state.${index}.${key}`);
  for (const [name, t] of tensors) {
    if (name.startsWith('model.')) out.model.set(name.slice(6), t);
    else if (name.startsWith('raw.')) out.raw.set(name.slice(4), t);
    else if (listed.has(name)) out.optimizer.set(name, t);
    else if (name.startsWith('optimizer.'))
      fail(`tensor '${name}' is optimizer state that __metadata__ 'cp.optimizer' does not list`);
    else fail(`tensor '${name}' is not part of a cp checkpoint (names start with model., raw. or optimizer.state.)`);
  }
  for (const name of listed)
    if (!out.optimizer.has(name))
      fail(`tensor '${name}' (listed in __metadata__ 'cp.optimizer') is missing from the checkpoint`);
  return out;
}
