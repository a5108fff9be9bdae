/**
 * The safetensors format, byte for byte as PyTorch's `safetensors` reads and writes it: an 8-byte
 * little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}, "__metadata__": {...}}`
 * padded with spaces to 8-byte alignment, then every tensor's raw little-endian bytes, with no holes.
 * Works on typed arrays only (no backend, no Node APIs); every malformed input raises `SafetensorsError`.
 * I64 tensors (PyTorch's int64, e.g. BatchNorm's `num_batches_tracked`) are read into int32, refusing any
 * value outside the int32 range; cp writes int32 as I32.
 */
import type { DType, TypedArray } from '../backend/dtype.js';
import { CpError } from '../errors.js';
import { findDuplicateKey } from './duplicate-keys.js';

/** A tensor as raw data: what safetensors stores. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** The decoded contents of a safetensors file. */
export interface Safetensors {
  /** Tensors by name, in file order (the data are copies, aligned and independent of the input bytes). */
  tensors: Map<string, RawTensor>;
  /** The `__metadata__` strings (empty when absent). */
  metadata: Record<string, string>;
}

/** A safetensors file that is truncated or malformed; the message says what is wrong and where. */
export class SafetensorsError extends CpError {
  override name = 'SafetensorsError';
}

const CODES: Record<DType, string> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };
const DTYPES: Record<string, DType> = { F32: 'float32', I32: 'int32', BOOL: 'bool' };
const WIDTH: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };
/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length would allocate). */
const MAX_HEADER = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function elements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The tensor's bytes in little-endian order. */
function bytesOf(t: RawTensor): Uint8Array {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (LITTLE_ENDIAN || WIDTH[t.dtype] === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) for (let j = 0; j < 4; j++) out[i + j] = bytes[i + 3 - j];
  return out;
}

/** Serializes `tensors` (in iteration order) and string `metadata` to safetensors bytes. */
export function encodeSafetensors(
  tensors: Iterable<[string, RawTensor]>,
  metadata: Record<string, string> = {},
): Uint8Array<ArrayBuffer> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new SafetensorsError(`encodeSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__')
      throw new SafetensorsError(`encodeSafetensors: '__metadata__' cannot be a tensor name`);
    if (Object.hasOwn(header, name)) throw new SafetensorsError(`encodeSafetensors: duplicate tensor name '${name}'`);
    if (!(t.dtype in CODES))
      throw new SafetensorsError(`encodeSafetensors: tensor '${name}' has unsupported dtype '${t.dtype}'`);
    if (elements(t.shape) !== t.data.length) {
      throw new SafetensorsError(
        `encodeSafetensors: tensor '${name}' has shape [${t.shape.join(', ')}] (${elements(t.shape)} elements) but ${t.data.length} values`,
      );
    }
    const bytes = bytesOf(t);
    header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Reads the header: its JSON object and where the data section starts. */
function readHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.length < 8)
    fail(`truncated file: ${bytes.length} bytes, but the header length alone takes 8 bytes (offset 0)`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER))
    fail(`the header length at offset 0 is ${length} bytes, above the 100 MB limit (not a safetensors file?)`);
  const n = Number(length);
  if (8 + n > bytes.length) {
    fail(
      `truncated header: the length at offset 0 says ${n} bytes from offset 8, but the file ends at offset ${bytes.length} (${bytes.length - 8} bytes)`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail(`the header (offsets 8 to ${8 + n}) is not valid UTF-8`);
  }
  if (!text.startsWith('{'))
    fail(`the header (offset 8) must start with '{', found ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header (offsets 8 to ${8 + n}) is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header must be a JSON object');
  const duplicate = findDuplicateKey(text);
  if (duplicate) {
    const offset = 8 + new TextEncoder().encode(text.slice(0, duplicate.index)).length;
    fail(`the header has the key ${JSON.stringify(duplicate.key)} twice (the second at file offset ${offset})`);
  }
  return { header: header as Record<string, unknown>, dataStart: 8 + n };
}

function readMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    fail(`'__metadata__' must be an object of strings, got ${JSON.stringify(value)}`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`'__metadata__' entry '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
  /** Stored as I64, read into int32. */
  wide: boolean;
}

function readEntry(name: string, value: unknown): Entry {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(`tensor '${name}': expected {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor '${name}': missing or non-string 'dtype'`);
  if (!(dtype in DTYPES) && dtype !== 'I64')
    fail(
      `tensor '${name}': dtype '${dtype}' is not supported (cp reads ${Object.keys(DTYPES).join(', ')}, and I64 into int32)`,
    );
  if (!Array.isArray(shape) || !shape.every(isCount))
    fail(`tensor '${name}': 'shape' must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(
      `tensor '${name}': 'data_offsets' must be [begin, end] with 0 <= begin <= end, got ${JSON.stringify(offsets)}`,
    );
  }
  const wide = dtype === 'I64';
  const d = wide ? 'int32' : DTYPES[dtype];
  const [begin, end] = offsets as number[];
  const expected = elements(shape as number[]) * (wide ? 8 : WIDTH[d]);
  if (end - begin !== expected) {
    fail(
      `tensor '${name}': dtype ${dtype} and shape [${shape.join(', ')}] need ${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype: d, shape: shape as number[], begin, end, wide };
}

/**
 * An I64 tensor's values as int32; a value outside the int32 range is an error naming the tensor and the
 * value's file offset (`at` is the tensor's first byte in the file).
 */
function narrowI64(bytes: Uint8Array, at: number, e: Entry, count: number): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * 8);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = view.getBigInt64(i * 8, true);
    if (v < -2147483648n || v > 2147483647n)
      fail(
        `tensor '${e.name}': I64 value ${v} at index ${i} (file offset ${at + i * 8}) does not fit int32 (cp reads I64 into int32)`,
      );
    out[i] = Number(v);
  }
  return out;
}

/** The tensor's values, copied out of `bytes` (so they are aligned), in the host's byte order. */
function copyOut(bytes: Uint8Array, at: number, e: Entry): TypedArray {
  const count = elements(e.shape);
  if (e.wide) return narrowI64(bytes, at, e, count);
  // NOTE: copy through the constructor: a Node Buffer's slice() is a view into its (pooled) ArrayBuffer.
  const raw = new Uint8Array(bytes.subarray(at, at + count * WIDTH[e.dtype]));
  if (!LITTLE_ENDIAN && WIDTH[e.dtype] === 4) for (let i = 0; i < raw.length; i += 4) raw.subarray(i, i + 4).reverse();
  if (e.dtype === 'float32') return new Float32Array(raw.buffer, 0, count);
  if (e.dtype === 'int32') return new Int32Array(raw.buffer, 0, count);
  return raw;
}

/** Parses safetensors bytes, validating the header, every tensor's extent, and that the data have no holes. */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  const { header, dataStart } = readHeader(bytes);
  const metadata = readMetadata(header.__metadata__);
  const entries = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .map(([k, v]) => readEntry(k, v));
  const dataLength = bytes.length - dataStart;
  // NOTE: a reduce, not Math.max(...ends): a header may list more tensors than a call can take arguments.
  const needed = entries.reduce((m, e) => Math.max(m, e.end), 0);
  let covered = 0;
  for (const e of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (e.end > dataLength) {
      fail(
        `truncated data: tensor '${e.name}' ends at file offset ${dataStart + e.end}, but the file is ${bytes.length} bytes (the data section is ${needed - dataLength} bytes short)`,
      );
    }
    if (e.begin < covered)
      fail(
        `tensor '${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps the tensor before it, which ends at ${covered}`,
      );
    if (e.begin > covered)
      fail(
        `the data have a hole: bytes ${covered} to ${e.begin} of the data section (file offsets ${dataStart + covered} to ${dataStart + e.begin}) belong to no tensor, before '${e.name}'`,
      );
    covered = e.end;
  }
  if (covered !== dataLength) {
    fail(
      `${dataLength - covered} unexpected bytes after the last tensor, at file offsets ${dataStart + covered} to ${bytes.length}`,
    );
  }
  const tensors = new Map<string, RawTensor>();
  for (const e of entries)
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: copyOut(bytes, dataStart + e.begin, e) });
  return { tensors, metadata };
}
