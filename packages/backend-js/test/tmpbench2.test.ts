import * as cp from '@cp/core';
import { test } from 'vitest';
import { lanczosTop, matTVec, matVec, symmetricEigen } from '../../core/src/constraints/builtins/linalg64.js';
import { createJsBackend } from '../src/index.js';

test('pieces', () => {
  cp.setBackendSync(createJsBackend());
  const time = (label: string, reps: number, fn: () => void) => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    console.log(label, ((performance.now() - t0) / reps).toFixed(3), 'ms');
  };
  const w = cp.randn([256, 784]);
  let d32: Float32Array = new Float32Array(0);
  time('dataSync+copy', 10, () => {
    d32 = Float32Array.from(w.dataSync() as Float32Array);
  });
  time('every isFinite', 10, () => {
    d32.every(Number.isFinite);
  });
  let a = new Float64Array(0);
  time('f64 from', 10, () => {
    a = Float64Array.from(d32);
  });
  const v = new Float64Array(784).fill(1 / 28);
  const u = new Float64Array(256);
  time('matVec', 10, () => matVec(a, 256, 784, v, u));
  time('matTVec', 10, () => matTVec(a, 256, 784, u, v));
  time('lanczos k=1', 10, () => lanczosTop(a, 256, 784, v, 1));
  time('lanczos k=4', 10, () => lanczosTop(a, 256, 784, v, 4));
  const s = new Float64Array(64 * 64);
  for (let i = 0; i < 64; i++)
    for (let j = 0; j < 64; j++) s[i * 64 + j] = s[j * 64 + i] = Math.sin(i * 7 + j * 3 + i * j);
  time('jacobi 64', 3, () => symmetricEigen(s, 64));
  const sc = new Float64Array(a.length);
  time('fround scale', 10, () => {
    for (let i = 0; i < a.length; i++) sc[i] = Math.fround(a[i] * 0.5);
  });
  time('write', 10, () => {
    const x = w.clone();
    x.backend.write(x.storage.handle, Float32Array.from(sc));
  });
});
