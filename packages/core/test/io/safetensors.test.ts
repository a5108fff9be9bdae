// The safetensors codec without a backend: exact bytes of a small file, round trips of every dtype, and a
// clear error for each way a file can be truncated or malformed.
import { describe, expect, test } from 'vitest';
import { decodeSafetensors, encodeSafetensors, type RawTensor, SafetensorsError } from '../../src/io/safetensors.js';

const f32 = (values: number[], shape = [values.length]): RawTensor => ({
  dtype: 'float32',
  shape,
  data: Float32Array.from(values),
});

/** A file from a header object and data bytes, built by hand as the format describes it. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const ascii = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('encodeSafetensors', () => {
  test('writes the length, the space-padded JSON header and the little-endian data, as PyTorch safetensors does', () => {
    const bytes = encodeSafetensors([['w', f32([1, -2], [1, 2])]], { epoch: '3' });
    const header = '{"__metadata__":{"epoch":"3"},"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}';
    const padded = header.padEnd(Math.ceil(header.length / 8) * 8, ' ');
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(BigInt(padded.length));
    expect(ascii(bytes.subarray(8, 8 + padded.length))).toBe(padded);
    expect([...bytes.subarray(8 + padded.length)]).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]);
    expect((8 + padded.length) % 8).toBe(0);
  });

  test('round-trips float32, int32 and bool tensors, scalars and empty tensors with their metadata', () => {
    const tensors: [string, RawTensor][] = [
      ['a', f32([0.5, Number.NEGATIVE_INFINITY, 3e-38, Number.NaN], [2, 2])],
      ['labels', { dtype: 'int32', shape: [3], data: Int32Array.from([-1, 0, 2 ** 31 - 1]) }],
      ['mask', { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) }],
      ['scalar', f32([7], [])],
      ['empty', f32([], [0, 4])],
    ];
    const out = decodeSafetensors(encodeSafetensors(tensors, { note: 'hi', json: '{"x":1}' }));
    expect(out.metadata).toEqual({ note: 'hi', json: '{"x":1}' });
    expect([...out.tensors.keys()]).toEqual(tensors.map(([k]) => k));
    for (const [k, t] of tensors) {
      const got = out.tensors.get(k)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data).toEqual(t.data);
      expect(got.data.constructor).toBe(t.data.constructor);
    }
  });

  test('decodes bytes that are a view into a larger buffer (like a Node Buffer from the pool)', () => {
    const bytes = encodeSafetensors([['w', f32([1.5, -2.5])]]);
    const pool = new Uint8Array(bytes.length + 13);
    pool.set(bytes, 13);
    const view = Object.assign(pool.subarray(13), { slice: pool.subarray.bind(pool.subarray(13)) });
    expect(decodeSafetensors(view).tensors.get('w')?.data).toEqual(Float32Array.from([1.5, -2.5]));
  });

  test('omits __metadata__ when there is none, and rejects duplicate names and wrong sizes', () => {
    expect(ascii(encodeSafetensors([['x', f32([1])]]))).not.toContain('__metadata__');
    expect(() =>
      encodeSafetensors([
        ['x', f32([1])],
        ['x', f32([2])],
      ]),
    ).toThrow(/duplicate tensor name 'x'/);
    expect(() => encodeSafetensors([['x', f32([1, 2], [3])]])).toThrow(/shape \[3\] \(3 elements\) but 2 values/);
  });
});

describe('decodeSafetensors errors', () => {
  const good = encodeSafetensors([
    ['w', f32([1, 2, 3, 4], [2, 2])],
    ['b', f32([5, 6])],
  ]);

  test('a file shorter than the 8-byte length says so', () => {
    expect(() => decodeSafetensors(good.subarray(0, 5))).toThrow(/truncated file: 5 bytes.*offset 0/);
  });

  test('a header cut short gives the declared length and where the file ends', () => {
    expect(() => decodeSafetensors(good.subarray(0, 40))).toThrow(
      /truncated header: .* says \d+ bytes from offset 8, but the file ends at offset 40/,
    );
  });

  test('truncated data names the tensor, its end offset and the bytes missing', () => {
    expect(() => decodeSafetensors(good.subarray(0, good.length - 3))).toThrow(
      new RegExp(
        `truncated data: tensor 'b' ends at file offset ${good.length}, but the file is ${good.length - 3} bytes \\(the data section is 3 bytes short\\)`,
      ),
    );
  });

  test('an absurd header length is refused before allocating anything', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => decodeSafetensors(bytes)).toThrow(/above the 100 MB limit/);
  });

  test('a header that is not JSON, or not an object, is named with its byte range', () => {
    expect(() => decodeSafetensors(file(null, undefined, '{"w": '))).toThrow(
      /header \(offsets 8 to 14\) is not valid JSON/,
    );
    expect(() => decodeSafetensors(file([1, 2]))).toThrow(/must start with '\{'/);
    const bad = file({});
    bad[8] = 0xff;
    expect(() => decodeSafetensors(bad)).toThrow(/offsets 8 to 10\) is not valid UTF-8/);
  });

  test('a tensor entry with a bad dtype, shape or data_offsets names the tensor', () => {
    const entry = (e: unknown) => () => decodeSafetensors(file({ t: e }));
    expect(entry({ shape: [1], data_offsets: [0, 4] })).toThrow(/tensor 't': missing or non-string 'dtype'/);
    expect(entry({ dtype: 'F64', shape: [1], data_offsets: [0, 8] })).toThrow(
      /tensor 't': dtype 'F64' is not supported \(cp reads F32, I32, BOOL, and I64 into int32\)/,
    );
    expect(entry({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] })).toThrow(
      /tensor 't': 'shape' must be an array of non-negative integers/,
    );
    expect(entry({ dtype: 'F32', shape: [1], data_offsets: [4, 0] })).toThrow(
      /tensor 't': 'data_offsets' must be \[begin, end\]/,
    );
  });

  test('a byte length that does not match dtype and shape gives expected and actual lengths', () => {
    const bytes = file({ t: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(20));
    expect(() => decodeSafetensors(bytes)).toThrow(
      /tensor 't': dtype F32 and shape \[2, 3\] need 24 bytes, but data_offsets \[0, 20\] hold 20/,
    );
  });

  test('overlapping tensors, holes and trailing bytes are errors, as in the reference implementation', () => {
    const a = { dtype: 'F32', shape: [1] };
    expect(() =>
      decodeSafetensors(
        file({ x: { ...a, data_offsets: [0, 4] }, y: { ...a, data_offsets: [2, 6] } }, new Uint8Array(6)),
      ),
    ).toThrow(/tensor 'y' \(data_offsets \[2, 6\]\) overlaps the tensor before it, which ends at 4/);
    expect(() => decodeSafetensors(file({ y: { ...a, data_offsets: [4, 8] } }, new Uint8Array(8)))).toThrow(
      /the data have a hole: bytes 0 to 4 of the data section .* before 'y'/,
    );
    expect(() => decodeSafetensors(file({ x: { ...a, data_offsets: [0, 4] } }, new Uint8Array(6)))).toThrow(
      /2 unexpected bytes after the last tensor/,
    );
  });

  test('a tensor named twice in the header is refused with the offset of the second name', () => {
    const entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
    const text = `{"w":${entry},"w":${entry}}`;
    expect(() => decodeSafetensors(file(null, new Uint8Array(4), text))).toThrow(
      new RegExp(`the header has the key "w" twice \\(the second at file offset ${8 + text.lastIndexOf('"w"')}\\)`),
    );
    const nested = `{"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}`;
    expect(() => decodeSafetensors(file(null, new Uint8Array(4), nested))).toThrow(/the key "dtype" twice/);
    const escaped = `{"a\\"b":${entry},"__metadata__":{"k":"x","k2":"\\"w\\""}}`;
    expect(decodeSafetensors(file(null, new Uint8Array(4), escaped)).tensors.has('a"b')).toBe(true);
  });

  test('metadata values must be strings', () => {
    expect(() => decodeSafetensors(file({ __metadata__: { epoch: 3 } }))).toThrow(
      /'__metadata__' entry 'epoch' must be a string, got 3/,
    );
  });

  test('every failure is a SafetensorsError', () => {
    expect(() => decodeSafetensors(new Uint8Array(2))).toThrow(SafetensorsError);
  });
});

describe('decodeSafetensors I64 (PyTorch int64, e.g. num_batches_tracked)', () => {
  const i64 = (values: bigint[]): Uint8Array => {
    const data = new Uint8Array(values.length * 8);
    values.forEach((v, i) => {
      new DataView(data.buffer).setBigInt64(i * 8, v, true);
    });
    return data;
  };
  const header = (n: number) => ({
    f: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
    n: { dtype: 'I64', shape: [n], data_offsets: [4, 4 + 8 * n] },
  });
  const bytesWith = (values: bigint[]) => {
    const data = new Uint8Array(4 + values.length * 8);
    data.set(i64(values), 4);
    return file(header(values.length), data);
  };

  test('reads I64 values into int32, the int32 range included', () => {
    const t = decodeSafetensors(bytesWith([0n, 7n, -2147483648n, 2147483647n])).tensors.get('n');
    expect(t?.dtype).toBe('int32');
    expect(t?.shape).toEqual([4]);
    expect([...(t?.data ?? [])]).toEqual([0, 7, -2147483648, 2147483647]);
  });

  test('a value outside int32 is a SafetensorsError naming the tensor, the index and the file offset', () => {
    const bytes = bytesWith([1n, 2n ** 31n]);
    const json = JSON.stringify(header(2)).length;
    const offset = 8 + json + 4 + 8;
    expect(new DataView(bytes.buffer).getBigInt64(offset, true)).toBe(2n ** 31n);
    expect(() => decodeSafetensors(bytes)).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes)).toThrow(
      `tensor 'n': I64 value 2147483648 at index 1 (file offset ${offset}) does not fit int32`,
    );
    expect(() => decodeSafetensors(bytesWith([-(2n ** 31n) - 1n]))).toThrow(/I64 value -2147483649 at index 0/);
  });
});
