// The TypeScript side of the oracle: runs scripts/oracle.py under Debian's /usr/bin/python3 (the python3 on
// PATH may lack torch) once per test file, turns its JSON tensors into cp tensors, and compares cp's results
// with PyTorch's: shapes and integer/bool values exactly, float values within TOLERANCE.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJsBackend } from '@cp/backend-js';
import { createWasmBackend } from '@cp/backend-wasm';
import { type Backend, type DType, type Tensor, tensor } from '@cp/core';
import { expect } from 'vitest';

/** The interpreter with PyTorch 1.13 (tools/run.mjs installs python3-torch for it). */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'oracle.py');

/** A tensor as the driver writes it: shape, dtype (int64 arrives as int32) and flat values. */
export interface Encoded {
  s: number[];
  t: 'float32' | 'int32' | 'bool';
  d: number[];
}

/**
 * Float agreement: |cp - torch| <= ATOL * max(1, max|torch|) + RTOL * |torch| per element, both sides
 * float32. The absolute part scales with the tensor's largest value because a sum of many terms (a conv
 * weight gradient, a 5-step LSTM) can cancel to a small result whose rounding error follows the terms.
 */
export const TOLERANCE = { rtol: 1e-5, atol: 2e-6 };

/** Runs the driver for `group` and parses its JSON (one process: importing torch takes seconds). */
export function runOracle<T>(group: string, ...args: string[]): T {
  const r = spawnSync(PYTHON, [SCRIPT, group, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${PYTHON} ${SCRIPT} ${group} failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The backends every case runs on: the wasm one single-threaded (the conformance tests cover threads). */
export const BACKENDS: [string, () => Backend | Promise<Backend>][] = [
  ['js', () => createJsBackend()],
  ['wasm', () => createWasmBackend({ threads: 1 })],
];

/** The cp tensor of an encoded one (a leaf requiring grad when asked). */
export function decode(e: Encoded, requiresGrad = false): Tensor {
  const data = e.t === 'float32' ? Float32Array.from(e.d) : Int32Array.from(e.d);
  return tensor(data, { shape: e.s, dtype: e.t as DType, requiresGrad });
}

/** Asserts that `actual` is `expected`: same shape, dtype family and values (floats within TOLERANCE). */
export function expectClose(actual: Tensor | null | undefined, expected: Encoded, label: string): void {
  expect(actual, `${label}: missing`).toBeTruthy();
  const a = actual as Tensor;
  expect(a.shape, `${label}: shape`).toEqual(expected.s);
  const got = Array.from(a.dataSync(), Number);
  if (expected.t !== 'float32') {
    expect(a.dtype, `${label}: dtype`).toBe(expected.t);
    expect(got, `${label}: values`).toEqual(expected.d);
    return;
  }
  expect(a.dtype, `${label}: dtype`).toBe('float32');
  const scale = expected.d.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  let worst = { i: -1, excess: 0 };
  expected.d.forEach((want, i) => {
    const bound = TOLERANCE.atol * scale + TOLERANCE.rtol * Math.abs(want);
    const excess = Math.abs(got[i] - want) - bound;
    if (!(excess <= 0) && !(excess <= worst.excess)) worst = { i, excess: Number.isNaN(excess) ? Infinity : excess };
  });
  if (worst.i >= 0) {
    const i = worst.i;
    expect.fail(
      `${label}: element ${i} is ${got[i]}, PyTorch has ${expected.d[i]} (beyond tolerance by ${worst.excess})`,
    );
  }
}

/** `sum_i (out_i * cot_i)` over the float outputs that need grad, or null when none does. */
export function weightedSum(outputs: Tensor[], cots: (Encoded | null)[]): Tensor | null {
  let loss: Tensor | null = null;
  outputs.forEach((o, i) => {
    const c = cots[i];
    if (!c || !o.requiresGrad) return;
    const term = o.mul(decode(c)).sum();
    loss = loss ? loss.add(term) : term;
  });
  return loss;
}
