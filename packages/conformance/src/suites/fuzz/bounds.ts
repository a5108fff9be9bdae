/**
 * The error model the differential fuzzer compares with: a first-order running error bound (Wilkinson's
 * forward analysis) carried through the program from the reference's own values, and its reverse for the
 * gradients. Each op states its own rounding and how much an input error can grow (bounds of its first
 * and second derivatives over the actual inputs), so cancellation (`a - b` with a ≈ b) and amplification
 * (`exp`, `1/x`, a k-term matmul) get the tolerance they need and nothing more. Shape and index helpers the
 * op table uses live here too.
 */
import { EPS32, TINY } from '../../tolerance.js';
import type { Bound, Info, Program } from './program.js';

/** Safety factor over the first-order bound (two sides, higher-order terms). */
export const SAFETY = 8;

/** `ε·(round) + Σ gain_k·err_k`: the error bound of an op's output. */
export function outputError(b: Bound, ins: readonly Info[]): number {
  let e = EPS32 * b.round;
  ins.forEach((x, k) => {
    e += b.gain[k] * x.err;
  });
  return e;
}

/**
 * How far an input must stay from a kink or jump (relu/abs at 0, ties of max, compare, floor, casts) so
 * that no backend's rounding can cross it: far above the input's own error bound.
 */
export function margin(err: number): number {
  return 1e-3 + 64 * SAFETY * err;
}

/** Gradient error bounds of every step, propagated backwards from the loss (reverse of `outputError`). */
export function gradientErrors(p: Program, infos: readonly Info[]): Float64Array {
  const n = p.steps.length;
  const mag = new Float64Array(n);
  const err = new Float64Array(n);
  for (const t of p.loss) {
    mag[t.step] += t.maxAbsWeight;
    err[t.step] += EPS32 * 2 * t.maxAbsWeight;
  }
  for (let i = n - 1; i >= 0; i--) {
    const s = p.steps[i];
    if (!s.bound || (mag[i] === 0 && err[i] === 0)) continue;
    const ins = s.inputs.map((k) => infos[k]);
    const b = s.bound(ins, infos[i]);
    s.inputs.forEach((k, j) => {
      if (!infos[k].requiresGrad) return;
      // NOTE: a rule's own rounding is a few ulps per op, plus the summation bound of the terms it sums,
      // relative to the magnitude of the gradient terms flowing through (`back · mag`).
      const roundRel = 8 + (b.backTerms ?? 0);
      mag[k] += b.back[j] * mag[i];
      err[k] += b.back[j] * err[i] + EPS32 * roundRel * b.back[j] * mag[i] + b.dErr[j] * mag[i];
    });
  }
  return err;
}

/** Per-element tolerance for a whole tensor: the running bound, never below the documented composite bound. */
export function tolerance(err: number, maxAbsRef: number): number {
  return Math.max(SAFETY * err, 64 * EPS32 * maxAbsRef) + TINY;
}

/** Size of a shape. */
export const sizeOf = (s: readonly number[]): number => s.reduce((a, d) => a * d, 1);

/** The broadcast of two shapes, or null when they do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each flat index of `out`, the flat index of the broadcast input of shape `inShape`. */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const r = outShape.length;
  const strides = new Array<number>(r).fill(0);
  let acc = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const o = r - inShape.length + i;
    strides[o] = inShape[i] === 1 ? 0 : acc;
    acc *= inShape[i];
  }
  for (let f = 0; f < n; f++) {
    let rem = f;
    let idx = 0;
    for (let d = r - 1; d >= 0; d--) {
      const c = rem % outShape[d];
      rem = (rem - c) / outShape[d];
      idx += c * strides[d];
    }
    map[f] = idx;
  }
  return map;
}

/** The slices of a reduction: for each output element, the flat indices of the input it reduces. */
export function reductionSlices(shape: readonly number[], dims: readonly number[]): number[][] {
  const reduced = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outIndex = broadcastIndex(shape, reduced);
  const slices: number[][] = Array.from({ length: sizeOf(reduced) }, () => []);
  outIndex.forEach((o, f) => {
    slices[o].push(f);
  });
  return slices;
}

/** max over `xs` of `f(x)` (0 for none). */
export function maxOf(xs: ArrayLike<number>, f: (x: number) => number): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(f(xs[i])));
  return m;
}
