/**
 * `step()` is all-or-nothing on backend failures too: whichever allocation or kernel call fails (an
 * out-of-memory, a kernel error), on the first step (no state yet) or a later one, on the fused kernels or on
 * core's fallbacks, every parameter and all optimizer state stay bit-identical, no storage leaks, and training
 * continues exactly as if the failed call had never been made.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { onBackend, withoutFused } from '../constraints/helpers.js';
import { ALL_OPTIMIZERS, type FaultKind, faulty, snapshot, train } from './faults.js';

/** Up to `n` call numbers spread over 1..total, first and last included. */
function sample(total: number, n: number): number[] {
  if (total <= n) return Array.from({ length: total }, (_, i) => i + 1);
  return Array.from({ length: n }, (_, i) => 1 + Math.round((i * (total - 1)) / (n - 1)));
}

/** Atomic steps on the backend under test. */
export function atomicStepSuite(ctx: SuiteContext): void {
  const backends: [string, () => cp.Backend][] = [
    ['fused kernels', () => ctx.backend()],
    ['core fallbacks', () => withoutFused(ctx.backend())],
  ];
  describe('optim: a step that fails in the backend changes nothing', () => {
    for (const [bname, backend] of backends) {
      for (const [name, make] of ALL_OPTIMIZERS) {
        test(`a failure at any allocation or kernel call of a step leaves parameters and state bit-identical, leaks nothing, and training continues as if it never happened (${name}, ${bname})`, () => {
          const f = faulty(backend());
          onBackend(f.backend, () => {
            for (const kind of ['alloc', 'kernel'] as FaultKind[]) {
              for (const failing of [0, 1]) {
                let total = 0;
                train(make, failing + 1, (opt, _ps, s) => {
                  if (s === failing) f.arm(kind, null);
                  opt.step();
                  if (s === failing) total = f.calls();
                });
                expect(total, `${kind} calls in step ${failing + 1}`).toBeGreaterThan(0);
                const expected = train(make, failing + 2);
                for (const k of sample(total, 12)) {
                  const got = train(make, failing + 2, (opt, ps, s) => {
                    if (s !== failing) {
                      opt.step();
                      return;
                    }
                    const before = snapshot(ps, opt);
                    const live = ctx.backend().stats().handles;
                    f.arm(kind, k);
                    expect(() => opt.step(), `${kind} ${k} of ${total}`).toThrow(cp.BackendError);
                    f.arm(kind, null);
                    expect(ctx.backend().stats().handles, `live handles after failing at ${kind} ${k}`).toBe(live);
                    expect(snapshot(ps, opt), `state after failing at ${kind} ${k} of ${total}`).toBe(before);
                    opt.step();
                  });
                  expect(got, `training after failing at ${kind} ${k} of ${total}`).toBe(expected);
                }
              }
            }
          });
        });
      }
    }
  });
}
