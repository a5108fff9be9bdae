/**
 * Running a whole op (forward and backward) on the backend under test and on the reference backend with
 * the same inputs. An `OpCase` names the op, its input shapes and value ranges, and a function of tensors;
 * `registerOpCases` turns each into a gradcheck test (finite differences on the backend under test) and a
 * differential test (values and gradients equal the reference's within the composite bound). Both run in
 * `tidy` and check that the backend's handle count is unchanged.
 */
import * as cp from '@cp/core';
import type { Backend } from '@cp/core/backend';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/reference-backend.js';
import { assertClose, bounded, compositeBounds } from '../../tolerance.js';

/** One input of an op case: its shape and where its values come from. */
export interface InputSpec {
  shape: number[];
  /** Uniform range of the values (default [-2, 2]); ignored when `values` is given. */
  range?: [number, number];
  /** Keep |x| at least this far from 0 (for abs, reciprocal, relu, ...). */
  awayFromZero?: number;
  /** Fixed values (ties, zeros): used as they are. */
  values?: number[];
}

/** An op to check: `fn` maps float32 leaves to one tensor. */
export interface OpCase {
  name: string;
  inputs: InputSpec[];
  fn: (...xs: cp.Tensor[]) => cp.Tensor;
  /** Skip finite differences (ties, kinks and other points where the derivative is a convention). */
  noGradcheck?: boolean;
  /** gradcheck options (step, tolerances) when the defaults do not fit the op. */
  gradcheck?: cp.GradcheckOptions;
}

/** A small deterministic PRNG (mulberry32), so both backends and every rerun see the same inputs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The float32 values of every input of `c`, drawn from `seed`. */
export function caseValues(c: OpCase, seed: number): Float32Array[] {
  const rand = prng(seed);
  return c.inputs.map((spec) => {
    const n = spec.shape.reduce((p, d) => p * d, 1);
    if (spec.values) return Float32Array.from(spec.values);
    const [lo, hi] = spec.range ?? [-2, 2];
    return Float32Array.from({ length: n }, () => {
      let v = lo + (hi - lo) * rand();
      if (spec.awayFromZero && Math.abs(v) < spec.awayFromZero) v = v < 0 ? -spec.awayFromZero : spec.awayFromZero;
      return v;
    });
  });
}

/** Output values and input gradients of one run of an op. */
interface OpRun {
  out: Float32Array;
  grads: (Float32Array | null)[];
}

/** Runs `c` forward and backward (weighted by `weights`) on `backend`; nothing survives but plain arrays. */
function runOp(backend: Backend, c: OpCase, values: Float32Array[], weightSeed: number): OpRun {
  const previous = cp.getBackend();
  cp.setBackendSync(backend);
  try {
    return cp.tidy(() => {
      const xs = values.map((v, i) => cp.tensor(v, { shape: c.inputs[i].shape, requiresGrad: true, backend }));
      const out = c.fn(...xs);
      const rand = prng(weightSeed);
      const w = cp.tensor(
        Float32Array.from({ length: out.size }, () => rand() * 2 - 1),
        { shape: out.shape, backend },
      );
      const result: OpRun = { out: Float32Array.from(out.dataSync() as Float32Array), grads: [] };
      if (out.requiresGrad) out.backward(w);
      for (const x of xs) {
        result.grads.push(x.grad ? Float32Array.from(x.grad.dataSync() as Float32Array) : null);
        x.grad?.dispose();
      }
      return result;
    });
  } finally {
    cp.setBackendSync(previous);
  }
}

/** Runs `fn` and throws if `backend` holds a different number of handles afterwards. */
export function expectNoLeak<T>(backend: Backend, what: string, fn: () => T): T {
  const before = backend.stats().handles;
  const result = fn();
  const after = backend.stats().handles;
  if (after !== before)
    throw new Error(`${what}: ${after - before} handle(s) leaked (stats().handles ${before} -> ${after})`);
  return result;
}

/** Registers a test that `cp.gradcheck` itself leaves no handle behind (its own leak would hide the op's). */
export function registerGradcheckLeakTest(ctx: SuiteContext): void {
  test('gradcheck frees everything it allocates', () => {
    const be = ctx.backend();
    expectNoLeak(be, 'gradcheck', () =>
      cp.tidy(() =>
        cp.gradcheck((a, b) => cp.mul(a, b), [cp.tensor([1, 2], { backend: be }), cp.tensor([3, 4], { backend: be })]),
      ),
    );
  });
}

/** Registers the gradcheck and differential tests of every case under one describe block. */
export function registerOpCases(ctx: SuiteContext, title: string, cases: readonly OpCase[]): void {
  describe(title, () => {
    let reference: Backend | null = null;
    beforeAll(() => {
      reference = createReferenceBackend();
    });
    afterAll(() => reference?.dispose());

    cases.forEach((c, k) => {
      const seed = ctx.seed * 7919 + k;
      if (!c.noGradcheck) {
        test(`${c.name}: autograd's gradient agrees with finite differences`, () => {
          const be = ctx.backend();
          const values = caseValues(c, seed);
          // NOTE: leaks are checked by the differential test and by 'gradcheck frees everything it allocates'.
          const res = cp.tidy(() => {
            const xs = values.map((v, i) => cp.tensor(v, { shape: c.inputs[i].shape, backend: be }));
            return cp.gradcheck(c.fn, xs, c.gradcheck);
          });
          if (!res.ok) {
            const w = res.worst!;
            throw new Error(
              `${c.name}: gradcheck failed at input ${w.input}, element ${w.index} (x = ${values[w.input][w.index]}): analytic ${w.analytic}, numeric ${w.numeric}`,
            );
          }
        });
      }
      test(`${c.name}: values and gradients equal the reference backend's within the composite bound`, () => {
        const be = ctx.backend();
        const values = caseValues(c, seed);
        const got = expectNoLeak(be, c.name, () => runOp(be, c, values, seed + 1));
        const ref = runOp(reference!, c, values, seed + 1);
        const inputs = () => values.map((v, i) => `x${i} = [${Array.from(v).join(', ')}]`).join('; ');
        assertClose(`${c.name} forward`, got.out, ref.out, bounded, { bounds: compositeBounds(ref.out), inputs });
        ref.grads.forEach((g, i) => {
          const mine = got.grads[i];
          if (g === null || mine === null) {
            if (g !== mine) throw new Error(`${c.name}: input ${i} has a gradient on one backend only`);
            return;
          }
          assertClose(`${c.name} gradient of input ${i}`, mine, g, bounded, { bounds: compositeBounds(g), inputs });
        });
      });
    });
  });
}
