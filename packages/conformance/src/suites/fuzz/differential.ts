/**
 * Differential fuzzing across backends: fast-check generates random programs of tensor ops (ctx.ts,
 * ops-*.ts), each resolved and run on the float64-per-kernel reference backend, then run again on the
 * backend under test; every value (shape, dtype, data), the loss and every leaf gradient must agree within
 * the running error bound of bounds.ts (never tighter than the documented composite bound). A failure
 * shrinks to a minimal program and its message holds the program as TypeScript to paste.
 *
 * How false alarms are kept out (each rule decided on the reference's values, so it is the same on every
 * backend and every rerun):
 * - leaves are bounded: float32 data in [-2, 2] (or [0.25, 2]) on a 1/1024 grid, int32 in [-4, 4];
 * - singular ops see only their well-conditioned domain (log, sqrt, rsqrt at >= 0.25, |divisor| and
 *   |1/x| input >= 0.25, pow with a base in [0.25, 4] and |exponent| <= 3), and an op whose output would
 *   exceed 64 in magnitude is not applied;
 * - kinks, jumps and ties (relu, abs, sign, leakyRelu at 0; floor and int casts at integers; bool casts
 *   at 0; maximum/minimum and comparisons at equality; the top two of a max/min slice) must be
 *   `margin(err)` away from the input, far beyond any rounding a backend may add; values that are exact
 *   on every backend (err = 0: leaves, exact ops) may sit on a kink, since every backend then sees the
 *   same bits and core applies the same convention;
 * - an op whose running error bound exceeds 1e-3 of its output's magnitude (an ill-conditioned step) is
 *   not applied.
 */
import * as cp from '@cp/core';
import type { Backend } from '@cp/core/backend';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/reference-backend.js';
import { fmt } from '../../tolerance.js';
import { expectNoLeak } from '../ops/op-harness.js';
import { gradientErrors, tolerance } from './bounds.js';
import { type OpDef, type RawLeaf, type RawOp, type RawProgram, type Resolved, resolve } from './ctx.js';
import { BINARY_OPS, SELECT_OPS, UNARY_OPS } from './ops-elementwise.js';
import { INDEX_OPS, MATMUL_OPS, NN_OPS, REDUCE_OPS, VIEW_OPS } from './ops-structure.js';
import { evalProgram, nameOf, onBackend, programCode } from './program.js';

/** Every op kind the generator draws from. */
export const PROGRAM_OPS: Readonly<Record<string, OpDef>> = {
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...SELECT_OPS,
  ...REDUCE_OPS,
  ...MATMUL_OPS,
  ...VIEW_OPS,
  ...INDEX_OPS,
  ...NN_OPS,
};

const rawLeaf: fc.Arbitrary<RawLeaf> = fc.record({
  drop: fc.nat(3),
  mask: fc.nat(7),
  dtype: fc.oneof(
    { arbitrary: fc.constant('float32' as const), weight: 6 },
    { arbitrary: fc.constant('int32' as const), weight: 1 },
    { arbitrary: fc.constant('bool' as const), weight: 1 },
  ),
  requiresGrad: fc.boolean(),
  positive: fc.boolean(),
  seed: fc.nat(),
});

const rawOp: fc.Arbitrary<RawOp> = fc.record({
  kind: fc.constantFrom(...Object.keys(PROGRAM_OPS)),
  picks: fc.array(fc.nat(999), { minLength: 6, maxLength: 6 }),
  seed: fc.nat(),
});

/** Raw programs: a base shape (rank 0-3, dims 1-4), 1-4 leaves derived from it, 1-10 op records. */
export const rawProgram: fc.Arbitrary<RawProgram> = fc.record({
  base: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
  leaves: fc.array(rawLeaf, { minLength: 1, maxLength: 4 }),
  ops: fc.array(rawOp, { minLength: 1, maxLength: 10 }),
  seed: fc.nat(),
});

/** What a backend computed for a program: every value, the loss and the leaf gradients. */
interface Outcome {
  values: { shape: number[]; dtype: string; data: Float64Array }[];
  loss: number | null;
  grads: Map<number, Float64Array | null>;
}

function runOn(backend: Backend, r: Resolved): Outcome {
  return onBackend(backend, () =>
    cp.tidy(() => {
      const { values, loss } = evalProgram(r.program);
      const out: Outcome = {
        values: values.map((t) => ({
          shape: [...t.shape],
          dtype: t.dtype,
          data: Float64Array.from(t.dataSync() as ArrayLike<number>),
        })),
        loss: loss ? loss.item() : null,
        grads: new Map(),
      };
      if (loss) loss.backward();
      for (const i of r.program.gradLeaves) {
        const g = values[i].grad;
        out.grads.set(i, g ? Float64Array.from(g.dataSync() as Float32Array) : null);
        g?.dispose();
      }
      return out;
    }),
  );
}

function closeEnough(got: number, ref: number, tol: number): boolean {
  if (!Number.isFinite(ref) || !Number.isFinite(got))
    return Object.is(got, ref) || (Number.isNaN(got) && Number.isNaN(ref));
  return Math.abs(got - ref) <= tol;
}

/** Compares one run against the reference's; returns the first disagreement, or null. */
function firstDifference(r: Resolved, got: Outcome): string | null {
  for (let i = 0; i < r.infos.length; i++) {
    const ref = r.infos[i];
    const v = got.values[i];
    const name = nameOf(i);
    if (v.dtype !== ref.dtype || v.shape.join() !== ref.shape.join())
      return `${name} is ${v.dtype} [${v.shape}], the reference's is ${ref.dtype} [${ref.shape}]`;
    const tol = ref.dtype === 'float32' ? tolerance(ref.err, ref.maxAbs) : 0;
    for (let j = 0; j < ref.data.length; j++) {
      if (!closeEnough(v.data[j], ref.data[j], tol))
        return `${name}[flat ${j}] is ${fmt(v.data[j])}, the reference's ${fmt(ref.data[j])} (tolerance ${tol})`;
    }
  }
  if (r.loss !== null && got.loss !== null && !closeEnough(got.loss, r.loss, tolerance(r.lossErr, Math.abs(r.loss))))
    return `loss is ${fmt(got.loss)}, the reference's ${fmt(r.loss)} (tolerance ${tolerance(r.lossErr, Math.abs(r.loss))})`;
  const gErr = gradientErrors(r.program, r.infos);
  for (const i of r.program.gradLeaves) {
    const ref = r.grads.get(i) ?? null;
    const g = got.grads.get(i) ?? null;
    if ((ref === null) !== (g === null))
      return `${nameOf(i)}.grad is ${g ? 'set' : 'null'} here and ${ref ? 'set' : 'null'} on the reference`;
    if (!ref || !g) continue;
    const maxAbs = ref.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    const tol = tolerance(gErr[i], maxAbs);
    for (let j = 0; j < ref.length; j++) {
      if (!closeEnough(g[j], ref[j], tol))
        return `${nameOf(i)}.grad[flat ${j}] is ${fmt(g[j])}, the reference's ${fmt(ref[j])} (tolerance ${tol})`;
    }
  }
  return null;
}

// NOTE: no Node types here: the suite also runs in browsers, where there is no `process`.
const env: Record<string, string | undefined> =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** Programs per backend in the test command (CP_FUZZ_RUNS overrides). */
export const DEFAULT_PROGRAM_RUNS = 2000;

/** Differential program fuzzing against the reference backend. */
export function differentialSuite(ctx: SuiteContext): void {
  describe('differential program fuzzing', () => {
    let reference: Backend | null = null;
    beforeAll(() => {
      reference = createReferenceBackend();
    });
    afterAll(() => reference?.dispose());

    test('random programs of tensor ops give the reference backend’s values and leaf gradients within the running error bound', () => {
      const be = ctx.backend();
      const numRuns = Number(env.CP_FUZZ_RUNS ?? DEFAULT_PROGRAM_RUNS);
      fc.assert(
        fc.property(rawProgram, (raw) => {
          const r = resolve(raw, PROGRAM_OPS, reference!);
          let got: Outcome;
          try {
            got = expectNoLeak(be, 'program', () => runOn(be, r));
          } catch (e) {
            throw new Error(
              `on '${ctx.name}' the program threw ${(e as Error).name}: ${(e as Error).message} (the reference did not)\n\n${programCode(r.program)}\n`,
            );
          }
          const diff = firstDifference(r, got);
          if (diff) throw new Error(`on '${ctx.name}' ${diff}\n\n${programCode(r.program)}\n`);
        }),
        { numRuns, seed: ctx.seed },
      );
    });
  });
}
