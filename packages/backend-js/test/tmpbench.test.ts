import * as cp from '@cp/core';
import { test } from 'vitest';
import { createJsBackend } from '../src/index.js';

test('timing', () => {
  cp.setBackendSync(createJsBackend());
  const C = cp.constraints;
  const time = (label: string, reps: number, fn: () => void) => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    console.log(label, ((performance.now() - t0) / reps).toFixed(2), 'ms');
  };
  cp.tidy(() => {
    const w = cp.randn([256, 784]);
    for (const k of [1, 4, 16]) {
      const c = C.spectralNorm(1, { nPowerIterations: k });
      time(`spectralNorm project 256x784 nPowerIterations=${k}`, 10, () =>
        cp.tidy(() => {
          const x = w.clone();
          c.project_(x);
        }),
      );
    }
    const c1 = C.spectralNorm(1);
    time('spectralNorm transform 256x784 (1 iteration)', 10, () =>
      cp.tidy(() => {
        c1.transform!(w);
      }),
    );
    time('spectralNorm check 256x784 (Jacobi on 256x256 Gram)', 1, () => {
      c1.check(w);
    });
    for (const n of [16, 64, 128, 256]) {
      const m = cp.randn([n, n]);
      const p = C.psd();
      time(`psd project ${n}x${n}`, n > 100 ? 2 : 10, () =>
        cp.tidy(() => {
          const x = m.clone();
          p.project_(x);
        }),
      );
    }
    // intersect with Dykstra
    const q = C.intersect(C.psd(), C.clamp(-0.5, 0.5));
    const y = q.project(cp.randn([4, 4], { generator: new cp.Generator(1) }));
    console.log('intersect psd∩clamp', C.psd().check(y), C.clamp(-0.5, 0.5).check(y));
    const inf = C.spectralNorm(Infinity);
    console.log('inf spec', JSON.stringify(inf.toSpec()));
    try {
      console.log(C.fromSpec(JSON.parse(JSON.stringify(inf.toSpec()))).toString());
    } catch (e) {
      console.log('inf fails', String(e));
    }
    const mn = C.maxNorm(Infinity);
    try {
      console.log(C.fromSpec(JSON.parse(JSON.stringify(mn.toSpec()))).toString());
    } catch (e) {
      console.log('maxNorm inf fails', String(e));
    }
  });
});
