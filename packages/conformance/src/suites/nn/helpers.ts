/** Helpers the nn suites share: comparing tensors with numbers, running a test body in `tidy`, small models. */
import * as cp from '@cp/core';
import { expect } from 'vitest';

/** Runs `fn` inside `tidy` so the tensors it makes are freed when it returns. */
export function tidyTest(fn: () => void): () => void {
  return () => cp.tidy(fn);
}

/** Expects `t`'s elements to match `expected` (flat or nested) to `digits` decimal places. */
export function expectClose(t: cp.Tensor, expected: cp.NestedArray, digits = 5): void {
  const flat = (Array.isArray(expected) ? expected.flat(Infinity as 1) : [expected]) as number[];
  const actual = Array.from(t.dataSync());
  expect(actual.length).toBe(flat.length);
  for (const [i, v] of actual.entries()) expect(v, `element ${i}`).toBeCloseTo(flat[i], digits);
}

/** Writes `values` into a parameter in place (as an optimizer would). */
export function setParam(p: cp.Tensor, values: cp.NestedArray): void {
  cp.noGrad(() => cp.tidy(() => void p.copy_(cp.tensor(values))));
}

/** Runs `module.call(...inputs)` with the parameter fields `names` replaced by gradcheck's leaves. */
export function withParams<M extends cp.nn.Module>(
  module: M,
  names: string[],
  values: cp.Tensor[],
  run: () => cp.Tensor,
): cp.Tensor {
  const fields = module as unknown as Record<string, unknown>;
  const saved = names.map((n) => fields[n]);
  names.forEach((n, i) => {
    fields[n] = values[i];
  });
  try {
    return run();
  } finally {
    names.forEach((n, i) => {
      fields[n] = saved[i];
    });
  }
}

/** `round(sin(1.3 i + seed) · scale, 3)` for i = 0.., as a float32 tensor: the inputs the PyTorch scripts use too. */
export function wave(shape: number[], seed: number, scale = 2, options?: { requiresGrad?: boolean }): cp.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => Math.round(Math.sin(1.3 * i + seed) * scale * 1000) / 1000);
  return cp.tensor(values, { shape, requiresGrad: options?.requiresGrad });
}

/** A tensor as PyTorch's safetensors writer stores it: dtype code, shape and values. */
export type TorchEntry = [name: string, dtype: 'F32' | 'I64', shape: number[], values: readonly number[]];

/**
 * The bytes of a safetensors file written by hand (not by cp's encoder) in PyTorch's layout: I64 for int64
 * tensors such as `num_batches_tracked`. Decoded and loaded, it tests reading a PyTorch state dict.
 */
export function torchSafetensors(entries: readonly TorchEntry[]): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, dtype, shape, values] of entries) {
    const bytes = new Uint8Array(values.length * (dtype === 'F32' ? 4 : 8));
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => {
      if (dtype === 'F32') view.setFloat32(i * 4, v, true);
      else view.setBigInt64(i * 8, BigInt(v), true);
    });
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes safetensors bytes into a state dict of cp tensors. */
export function stateDictFromBytes(bytes: Uint8Array): cp.nn.StateDict {
  const sd: cp.nn.StateDict = {};
  for (const [k, t] of cp.decodeSafetensors(bytes).tensors)
    sd[k] = cp.tensor(t.data, { shape: t.shape, dtype: t.dtype });
  return sd;
}
