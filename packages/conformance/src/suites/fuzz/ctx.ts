/**
 * Resolution: turning a raw record (an op kind and a few natural numbers, as fast-check generates and
 * shrinks them) into a concrete step, on the reference backend. Each record picks its inputs among the
 * values made so far; it is applied only when, on the reference's values, its inputs are inside its domain,
 * away from its kinks and ties by `margin`, and its output stays bounded and well-conditioned. Otherwise it
 * resolves to nothing, so every shrunk program is still valid and free of false alarms.
 */
import * as cp from '@cp/core';
import type { Backend, DType } from '@cp/core/backend';
import { prng } from '../ops/op-harness.js';
import { outputError, SAFETY, sizeOf } from './bounds.js';
import {
  type BoundRule,
  evalStep,
  type Info,
  infoOf,
  lossExpr,
  nameOf,
  onBackend,
  type Program,
  type Step,
} from './program.js';

/** A raw op record: which op, and the choices it makes (inputs, dims, options), all natural numbers. */
export interface RawOp {
  readonly kind: string;
  readonly picks: readonly number[];
  readonly seed: number;
}

/** A raw leaf: its shape derived from the program's base shape, its dtype and its data seed. */
export interface RawLeaf {
  readonly drop: number;
  readonly mask: number;
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  readonly positive: boolean;
  readonly seed: number;
}

/** A raw program, as generated. */
export interface RawProgram {
  readonly base: readonly number[];
  readonly leaves: readonly RawLeaf[];
  readonly ops: readonly RawOp[];
  readonly seed: number;
}

/** What an op resolver sees. */
export interface Ctx {
  /** The values made so far. */
  readonly infos: readonly Info[];
  /** The record's choice `k`, reduced to `0..n-1`. */
  choice(k: number, n: number): number;
  /** An earlier value satisfying `pred`, chosen by choice `k` (the latest one half the time); -1 when there is none. */
  pick(k: number, pred: (x: Info, index: number) => boolean): number;
  /** Uniform in [0, 1), from the record's seed. */
  rand(): number;
  /** Appends a new leaf (float32 data in [-2, 2], int32 or bool from small integers, or `values`). */
  leaf(shape: readonly number[], dtype: DType, options?: { values?: number[]; requiresGrad?: boolean }): number;
}

/** A resolved op: its expression over earlier values, its error model, and its applicability check. */
export interface Candidate {
  readonly expr: string;
  readonly inputs: readonly number[];
  readonly bound: BoundRule;
  /** Domain, kink and tie checks on the reference's input values (and output). */
  readonly ok?: (ins: readonly Info[], out: Info) => boolean;
}

/** An op kind: resolves a record to a candidate, or null when nothing fits. */
export type OpDef = (c: Ctx) => Candidate | null;

/** Largest |value| a program may produce (keeps every op well away from float32 overflow and large gains). */
export const MAX_MAGNITUDE = 64;

/** A nested-array literal of `values` in `shape` (a plain number for a 0-d shape). */
export function literal(values: readonly (number | boolean)[], shape: readonly number[]): string {
  const build = (offset: number, d: number): string => {
    if (d === shape.length) return String(values[offset]);
    const stride = sizeOf(shape.slice(d + 1));
    return `[${Array.from({ length: shape[d] }, (_, i) => build(offset + i * stride, d + 1)).join(', ')}]`;
  };
  return build(0, 0);
}

/** Values of a new leaf: float32 multiples of 1/1024 (exact, short to print), small int32, bool from numbers. */
function leafValues(rand: () => number, n: number, dtype: DType, positive: boolean): (number | boolean)[] {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  if (dtype === 'int32') return Array.from({ length: n }, () => int(-4, 4));
  // NOTE: bool data from plain numbers (-2..3, as a user might pass) or from true/false literals.
  if (dtype === 'bool')
    return rand() < 0.5 ? Array.from({ length: n }, () => int(-2, 3)) : Array.from({ length: n }, () => rand() < 0.5);
  return Array.from({ length: n }, () => (positive ? int(256, 2048) : int(-2048, 2048)) / 1024);
}

function leafExpr(
  values: readonly (number | boolean)[],
  shape: readonly number[],
  dtype: DType,
  requiresGrad: boolean,
): string {
  const opts = dtype === 'float32' ? (requiresGrad ? '{ requiresGrad: true }' : '') : `{ dtype: '${dtype}' }`;
  return `cp.tensor(${literal(values, shape)}${opts ? `, ${opts}` : ''})`;
}

/** The outcome of resolving a raw program on the reference: the program and the reference's results. */
export interface Resolved {
  readonly program: Program;
  readonly infos: readonly Info[];
  readonly loss: number | null;
  readonly lossErr: number;
  readonly grads: ReadonlyMap<number, Float64Array>;
}

/** Resolves `raw` against `ops` on `reference`, then runs its loss and backward there. */
export function resolve(raw: RawProgram, ops: Readonly<Record<string, OpDef>>, reference: Backend): Resolved {
  return onBackend(reference, () =>
    cp.tidy(() => {
      const steps: Step[] = [];
      const infos: Info[] = [];
      const tensors: cp.Tensor[] = [];
      const push = (step: Step, t: cp.Tensor, err: number) => {
        steps.push(step);
        tensors.push(t);
        infos.push(infoOf(t, t.dtype === 'float32' ? err : 0));
        return steps.length - 1;
      };
      const addLeaf = (shape: readonly number[], dtype: DType, values: (number | boolean)[], requiresGrad: boolean) => {
        const step: Step = { expr: leafExpr(values, shape, dtype, requiresGrad), inputs: [], leaf: true };
        return push(step, evalStep(step, tensors), 0);
      };
      raw.leaves.forEach((l, i) => {
        const rank = raw.base.length;
        const shape = raw.base.slice(l.drop % (rank + 1)).map((d, k) => ((l.mask >> k) & 1 ? 1 : d));
        const dtype = i === 0 ? 'float32' : l.dtype;
        const grad = i === 0 || (dtype === 'float32' && l.requiresGrad);
        addLeaf(shape, dtype, leafValues(prng(l.seed), sizeOf(shape), dtype, l.positive), grad);
      });
      for (const r of raw.ops) {
        const def = ops[r.kind];
        const mark = steps.length;
        const rand = prng(r.seed);
        const ctx: Ctx = {
          infos,
          choice: (k, n) => (r.picks[k] ?? 0) % n,
          pick: (k, pred) => {
            const ok = infos.map((x, i) => (pred(x, i) ? i : -1)).filter((i) => i >= 0);
            if (ok.length === 0) return -1;
            // NOTE: half the picks take the latest fitting value, so programs grow deep, not only wide.
            const p = r.picks[k] ?? 0;
            return p % 2 === 0 ? ok[ok.length - 1] : ok[((p - 1) / 2) % ok.length];
          },
          rand,
          leaf: (shape, dtype, options) =>
            addLeaf(
              shape,
              dtype,
              options?.values ?? leafValues(rand, sizeOf(shape), dtype, false),
              options?.requiresGrad ?? false,
            ),
        };
        const cand = def(ctx);
        const rollback = () => {
          steps.length = mark;
          infos.length = mark;
          tensors.length = mark;
        };
        if (!cand) {
          rollback();
          continue;
        }
        const step: Step = { expr: cand.expr, inputs: cand.inputs, leaf: false, bound: cand.bound };
        let out: cp.Tensor;
        try {
          out = evalStep(step, tensors);
        } catch (e) {
          const soFar = steps.map((s, i) => `const ${nameOf(i)} = ${s.expr};`).join('\n');
          throw new Error(
            `program fuzzer: the reference backend threw for a generated step (a generator bug or a core defect): ${(e as Error).name}: ${(e as Error).message}\n${soFar}\nconst ${nameOf(steps.length)} = ${cand.expr};`,
          );
        }
        const ins = cand.inputs.map((k) => infos[k]);
        const probe = infoOf(out, 0);
        const err = out.dtype === 'float32' ? outputError(cand.bound(ins, probe), ins) : 0;
        const info: Info = { ...probe, err };
        const wellConditioned =
          probe.data.every(Number.isFinite) &&
          probe.maxAbs <= MAX_MAGNITUDE &&
          SAFETY * err <= 1e-3 * Math.max(1, probe.maxAbs) &&
          sizeOf(probe.shape) > 0;
        if (!wellConditioned || (cand.ok && !cand.ok(ins, info))) {
          rollback();
          continue;
        }
        steps.push(step);
        tensors.push(out);
        infos.push(info);
      }
      // The loss: every value that requires a gradient and feeds nothing later, weighted and summed.
      const used = new Set(steps.flatMap((s) => s.inputs));
      const rand = prng(raw.seed);
      const loss = infos
        .map((x, i) => ({ x, i }))
        .filter(({ x, i }) => x.requiresGrad && !used.has(i))
        .map(({ x, i }) => {
          const w = Array.from({ length: sizeOf(x.shape) }, () => Math.floor(rand() * 129 - 64) / 64);
          return {
            step: i,
            weights: literal(w, x.shape),
            maxAbsWeight: w.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
          };
        });
      const gradLeaves = steps.flatMap((s, i) => (s.leaf && infos[i].requiresGrad ? [i] : []));
      const program: Program = { steps, loss, gradLeaves };
      const grads = new Map<number, Float64Array>();
      let lossValue: number | null = null;
      let lossErr = 0;
      if (loss.length > 0) {
        const lossStep: Step = { expr: lossExpr(program)!, inputs: loss.map((t) => t.step), leaf: false };
        const l = evalStep(lossStep, tensors);
        lossValue = l.item();
        for (const t of loss) {
          const x = infos[t.step];
          const n = sizeOf(x.shape);
          lossErr += t.maxAbsWeight * n * x.err + 2 ** -23 * (n + loss.length) * n * t.maxAbsWeight * x.maxAbs;
        }
        l.backward();
        for (const i of gradLeaves) {
          const g = tensors[i].grad;
          if (g) grads.set(i, Float64Array.from(g.dataSync() as Float32Array));
          g?.dispose();
        }
      }
      return { program, infos, loss: lossValue, lossErr, grads };
    }),
  );
}
