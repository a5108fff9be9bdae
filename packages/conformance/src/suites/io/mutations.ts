/**
 * Damage to a checkpoint file, as fast-check arbitraries of plain descriptors (so a failure prints and shrinks
 * to a readable mutation) and the one `applyMutation` that makes the damaged bytes. Byte level: truncation,
 * flipped bits in the header or the data, a wrong header length, broken JSON. Header level: a tensor entry's
 * dtype, shape or data_offsets, a duplicate or renamed entry. Tensor level (re-encoded, so the file stays
 * well-formed): missing, extra and re-typed tensors, special values. Metadata level: constraint specs with bad
 * values, malformed optimizer metadata, bad generator states.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';

/** What the arbitraries need to know about the good file. */
export interface FileInfo {
  length: number;
  headerLength: number;
  names: string[];
  constraintKeys: string[];
}

/** Reads a file's parts (no validation: the good file is well-formed). */
export function fileInfo(bytes: Uint8Array): FileInfo {
  const { text } = split(bytes);
  const header = JSON.parse(text) as Record<string, unknown>;
  const meta = header.__metadata__ as Record<string, string>;
  return {
    length: bytes.length,
    headerLength: text.length,
    names: Object.keys(header).filter((k) => k !== '__metadata__'),
    constraintKeys: Object.keys(JSON.parse(meta['cp.constraints'])),
  };
}

const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 1e30, -0, 0, 1e-30, 3];
const JSON_CHARS = '{}[]",:0123456789-.eE ntrufalsx\\';
const BAD_VALUES: unknown[] = [
  -1,
  0,
  1e-30,
  1e30,
  0.5,
  2,
  'abc',
  null,
  true,
  [],
  {},
  [2, 2],
  { '$cp.number': 'Infinity' },
  { '$cp.number': '-Infinity' },
  { '$cp.number': 'NaN' },
  { '$cp.number': 'Inf' },
];
const NAMES = ['maxNorm', 'nonNeg', 'positive', 'interval', 'clamp', 'greaterThan', 'lessThan', 'l2Ball', 'linfBall'];
const EXTRA = ['model.extra', 'raw.0.bias', 'raw.nope', 'optimizer.state.0.extra', 'junk', 'model.0.weight.x'];
const OPTIMIZER_PATHS = [
  'paramGroups.0.lr',
  'paramGroups.0.betas',
  'paramGroups.0.betas.1',
  'paramGroups.0.eps',
  'paramGroups.0.weightDecay',
  'paramGroups.0.amsgrad',
  'paramGroups.0.params',
  'paramGroups.0.params.2',
  'paramGroups',
  'state',
  'state.0',
  'state.0.numbers',
  'state.0.numbers.step',
  'state.1.tensors',
  'state.1.tensors.0',
  'state.7',
];

/** One way to damage a file. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number[]; bit: number }
  | { kind: 'headerLength'; value: bigint }
  | { kind: 'json'; at: number; remove: number; insert: string }
  | { kind: 'entry'; tensor: number; field: 'dtype' | 'shape' | 'data_offsets'; value: unknown }
  | { kind: 'duplicate'; tensor: number; shift: number }
  | { kind: 'rename'; tensor: number; to: string }
  | { kind: 'drop'; tensor: number }
  | { kind: 'extra'; name: string; size: number }
  | { kind: 'value'; tensor: number; index: number; value: number }
  | { kind: 'retype'; tensor: number; to: 'reinterpret' | 'flatten' | 'shorten' }
  | { kind: 'spec'; key: number; spec: number; field: string; value: unknown }
  | { kind: 'optimizer'; path: string; value: unknown }
  | { kind: 'renameStep'; to: string }
  | { kind: 'rng'; value: unknown }
  | { kind: 'metaText'; key: string; text: string };

/** The mutations of the file `info` describes, weighted so that every level gets a few hundred runs in a thousand. */
export function mutation(info: FileInfo): fc.Arbitrary<Mutation> {
  const tensor = fc.nat(info.names.length - 1);
  const header = fc.integer({ min: 8, max: 8 + info.headerLength - 1 });
  const data = fc.integer({ min: 8 + info.headerLength, max: info.length - 1 });
  const offset = fc.oneof(fc.nat(info.length * 2), fc.constantFrom(-1, 2 ** 53, 1.5, '0'));
  const badValue = fc.constantFrom(...BAD_VALUES);
  return fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(info.length - 1) }),
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.array(fc.oneof(header, data), { minLength: 1, maxLength: 3 }),
      bit: fc.nat(7),
    }),
    fc.record({
      kind: fc.constant('headerLength' as const),
      value: fc.oneof(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: -16, max: 16 }).map((d) => BigInt(Math.max(0, info.headerLength + d))),
      ),
    }),
    fc.record({
      kind: fc.constant('json' as const),
      at: fc.nat(info.headerLength - 1),
      remove: fc.nat(3),
      insert: fc.string({ unit: fc.constantFrom(...JSON_CHARS), maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('entry' as const),
      tensor,
      field: fc.constantFrom('dtype' as const, 'shape' as const, 'data_offsets' as const),
      value: fc.oneof(
        fc.constantFrom('F32', 'I32', 'BOOL', 'F16', 'F64', 'U8', 5, null),
        fc.array(fc.nat(20), { maxLength: 4 }),
        fc.constantFrom([-1], ['2'], [1.5], [2 ** 53], [2 ** 31, 2 ** 31]),
        fc.tuple(offset, offset),
      ),
    }),
    fc.record({ kind: fc.constant('duplicate' as const), tensor, shift: fc.integer({ min: -8, max: 8 }) }),
    fc.record({ kind: fc.constant('rename' as const), tensor, to: fc.constantFrom('x', 'model.', 'raw.', '.0') }),
    fc.record({ kind: fc.constant('drop' as const), tensor }),
    fc.record({ kind: fc.constant('extra' as const), name: fc.constantFrom(...EXTRA), size: fc.nat(3) }),
    fc.record({
      kind: fc.constant('value' as const),
      tensor,
      index: fc.nat(11),
      value: fc.constantFrom(...SPECIAL),
    }),
    fc.record({
      kind: fc.constant('retype' as const),
      tensor,
      to: fc.constantFrom('reinterpret' as const, 'flatten' as const, 'shorten' as const),
    }),
    fc.record({
      kind: fc.constant('spec' as const),
      key: fc.nat(Math.max(0, info.constraintKeys.length - 1)),
      spec: fc.nat(1),
      field: fc.constantFrom('name', 'mode', 'target', 'options', 'option', 'drop', 'add', 'key'),
      value: fc.oneof(badValue, fc.constantFrom(...NAMES, 'nope', 'project', 'reparametrize', 'grad')),
    }),
    fc.record({ kind: fc.constant('optimizer' as const), path: fc.constantFrom(...OPTIMIZER_PATHS), value: badValue }),
    fc.record({ kind: fc.constant('renameStep' as const), to: fc.constantFrom('stpe', 'Step', 'step ', '') }),
    fc.record({
      kind: fc.constant('rng' as const),
      value: fc.oneof(
        fc.constant([0, 0, 0, 0]),
        fc.array(fc.constantFrom(0, 1, 2 ** 32 - 1, 2 ** 32, -1, 0.5, 'x'), { maxLength: 5 }),
        badValue,
      ),
    }),
    fc.record({
      kind: fc.constant('metaText' as const),
      key: fc.constantFrom('cp.constraints', 'cp.optimizer', 'cp.rng', 'cp.format', 'epoch'),
      text: fc.constantFrom('', '{', 'null', '[1, 2', '"x"', '{"$cp.number": 1}', 'cp-checkpoint/2'),
    }),
  );
}

function split(bytes: Uint8Array): { text: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return { text: new TextDecoder().decode(bytes.subarray(8, 8 + n)), data: bytes.subarray(8 + n) };
}

function assemble(text: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Edits the header as an object and writes it back with the same data bytes. */
function editHeader(bytes: Uint8Array, edit: (header: Record<string, Record<string, unknown>>) => void): Uint8Array {
  const { text, data } = split(bytes);
  const header = JSON.parse(text);
  edit(header);
  return assemble(JSON.stringify(header), data);
}

/** Decodes, edits tensors and metadata, and encodes a well-formed file again. */
function reencode(
  bytes: Uint8Array,
  edit: (tensors: Map<string, cp.RawTensor>, meta: Record<string, string>) => void,
): Uint8Array {
  const { tensors, metadata } = cp.decodeSafetensors(bytes);
  edit(tensors, metadata);
  return cp.encodeSafetensors(tensors, metadata);
}

/** Sets `value` at a dotted `path` of a JSON object (creating nothing: a missing parent is left alone). */
function setPath(root: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = root as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (at === null || typeof at !== 'object') return;
    at = at[k] as Record<string, unknown>;
  }
  if (at !== null && typeof at === 'object') at[keys[keys.length - 1]] = value;
}

/** The bytes `m` makes of the good file `good`. */
export function applyMutation(good: Uint8Array, info: FileInfo, m: Mutation): Uint8Array {
  const name = 'tensor' in m ? info.names[m.tensor] : '';
  switch (m.kind) {
    case 'truncate':
      return good.slice(0, m.at);
    case 'flip': {
      const out = good.slice();
      for (const at of m.at) out[at] ^= 1 << m.bit;
      return out;
    }
    case 'headerLength': {
      const out = good.slice();
      new DataView(out.buffer).setBigUint64(0, m.value, true);
      return out;
    }
    case 'json': {
      const { text, data } = split(good);
      return assemble(text.slice(0, m.at) + m.insert + text.slice(m.at + m.remove), data);
    }
    case 'entry':
      return editHeader(good, (h) => {
        h[name][m.field] = m.value;
      });
    case 'duplicate': {
      const { text, data } = split(good);
      const entry = JSON.parse(text)[name] as { data_offsets: number[] };
      const moved = { ...entry, data_offsets: entry.data_offsets.map((o) => o + m.shift) };
      return assemble(`{${JSON.stringify(name)}:${JSON.stringify(moved)},${text.slice(1)}`, data);
    }
    case 'rename':
      return editHeader(good, (h) => {
        h[name + m.to] = h[name];
        delete h[name];
      });
    case 'drop':
      return reencode(good, (t) => t.delete(name));
    case 'extra':
      return reencode(good, (t) =>
        t.set(m.name, { dtype: 'float32', shape: [m.size], data: new Float32Array(m.size) }),
      );
    case 'value':
      return reencode(good, (t) => {
        const x = t.get(name)!;
        if (x.data.length > 0) x.data[m.index % x.data.length] = m.value;
      });
    case 'retype':
      return reencode(good, (t) => {
        const x = t.get(name)!;
        if (m.to === 'flatten') t.set(name, { ...x, shape: [x.data.length] });
        else if (m.to === 'shorten')
          t.set(name, { ...x, shape: [Math.max(0, x.data.length - 1)], data: x.data.slice(1) });
        else if (x.dtype === 'float32') t.set(name, { ...x, dtype: 'int32', data: new Int32Array(x.data.buffer) });
        else if (x.dtype === 'int32') t.set(name, { ...x, dtype: 'float32', data: new Float32Array(x.data.buffer) });
      });
    case 'spec':
      return reencode(good, (_t, meta) => {
        const specs = JSON.parse(meta['cp.constraints']) as Record<string, Record<string, unknown>[]>;
        const key = info.constraintKeys[m.key];
        const list = specs[key] ?? [];
        const spec = list[m.spec % Math.max(1, list.length)];
        if (m.field === 'drop') delete specs[key];
        else if (m.field === 'add') list.push({ name: m.value, options: {} } as never);
        else if (m.field === 'key') specs[String(m.value)] = list;
        else if (spec && m.field === 'option') {
          const options = (spec.options ?? {}) as Record<string, unknown>;
          const k = Object.keys(options)[0] ?? 'max';
          options[k] = m.value;
          spec.options = options;
        } else if (spec) spec[m.field] = m.value;
        meta['cp.constraints'] = JSON.stringify(specs);
      });
    case 'optimizer':
      return reencode(good, (_t, meta) => {
        const o = JSON.parse(meta['cp.optimizer']);
        setPath(o, m.path, m.value);
        meta['cp.optimizer'] = JSON.stringify(o);
      });
    case 'renameStep':
      return reencode(good, (_t, meta) => {
        meta['cp.optimizer'] = meta['cp.optimizer'].replaceAll('"step":', `${JSON.stringify(m.to)}:`);
      });
    case 'rng':
      return reencode(good, (_t, meta) => {
        meta['cp.rng'] = JSON.stringify(m.value);
      });
    case 'metaText':
      return reencode(good, (_t, meta) => {
        meta[m.key] = m.text;
      });
    default: {
      const never: never = m;
      throw new Error(`applyMutation: unknown mutation ${JSON.stringify(never)}`);
    }
  }
}
