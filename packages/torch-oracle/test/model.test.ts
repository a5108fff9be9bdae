// A PyTorch model (conv + BatchNorm + max pool, an LSTM over the rows, self-attention, a linear head),
// trained three SGD steps in PyTorch and saved by the driver as safetensors (numpy writes the format; the
// BatchNorm's num_batches_tracked is I64), loaded into the same model in cp with decodeSafetensors and
// loadStateDict: the keys, shapes and eval-mode outputs agree on each backend, and an I64 value beyond
// int32 is refused with the key and the file offset.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, nn, SafetensorsError, setBackend, type Tensor, tensor } from '@cp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, decode, type Encoded, expectClose, runOracle } from './oracle.js';

/** scripts/oracle.py's `Zoo`, attribute for attribute (so the state-dict keys are PyTorch's). */
class Zoo extends nn.Module<[Tensor], Tensor> {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  pool = new nn.MaxPool2d(2);
  lstm = new nn.LSTM(16, 8, { batchFirst: true });
  attn = new nn.MultiheadAttention(8, 2, { batchFirst: true });
  head = new nn.Linear(8, 3);

  override forward(x: Tensor): Tensor {
    const h = this.pool.call(this.bn.call(this.conv.call(x)).relu());
    const seq = h.permute(0, 2, 1, 3).reshape(x.shape[0], 4, 16);
    const [out] = this.lstm.call(seq);
    const [a] = this.attn.call(out, out, out, { needWeights: false });
    return this.head.call(a.add(out).mean(1));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cp-torch-oracle-'));
const expected = runOracle<{ input: Encoded; output: Encoded; keys: string[]; shapes: Record<string, number[]> }>(
  'model',
  dir,
);
const file = readFileSync(join(dir, 'model.safetensors'));
const overflow = readFileSync(join(dir, 'overflow.safetensors'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The safetensors file as a cp state dict (tensors on the current backend). */
function stateDictOf(bytes: Uint8Array): nn.StateDict {
  const sd: nn.StateDict = {};
  for (const [k, t] of decodeSafetensors(bytes).tensors) sd[k] = tensor(t.data, { shape: t.shape, dtype: t.dtype });
  return sd;
}

it("the file holds PyTorch's state dict: its keys in order, its shapes, num_batches_tracked read into int32", () => {
  const { tensors } = decodeSafetensors(file);
  expect([...tensors.keys()]).toEqual(expected.keys);
  for (const [k, t] of tensors) expect(t.shape, k).toEqual(expected.shapes[k]);
  const tracked = tensors.get('bn.num_batches_tracked');
  expect(tracked?.dtype).toBe('int32');
  expect([...(tracked?.data ?? [])]).toEqual([3]);
});

it('an I64 value beyond int32 is a SafetensorsError naming the key and the file offset of the value', () => {
  expect(() => decodeSafetensors(overflow)).toThrow(SafetensorsError);
  let message = '';
  try {
    decodeSafetensors(overflow);
  } catch (e) {
    message = (e as Error).message;
  }
  const match = /tensor 'bn\.num_batches_tracked': I64 value 1099511627776 at index 0 \(file offset (\d+)\)/.exec(
    message,
  );
  expect(match, message).not.toBeNull();
  const at = Number(match?.[1]);
  expect(new DataView(overflow.buffer, overflow.byteOffset).getBigInt64(at, true)).toBe(2n ** 40n);
});

for (const [name, create] of BACKENDS) {
  describe(`the PyTorch model on ${name}`, () => {
    beforeAll(async () => {
      await setBackend(await create());
    });

    it('has the same state-dict keys and shapes, loads the file strictly, and gives the same eval outputs', () => {
      const model = new Zoo();
      const own = model.stateDict();
      expect(Object.keys(own)).toEqual(expected.keys);
      for (const k of expected.keys) expect(own[k].shape, k).toEqual(expected.shapes[k]);
      expect(model.loadStateDict(stateDictOf(file))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      expect(model.bn.num_batches_tracked?.item()).toBe(3);
      model.eval();
      expectClose(model.call(decode(expected.input)), expected.output, 'eval output');
    });
  });
}
