/**
 * A fuzzed program is data: a list of steps, each a TypeScript expression over earlier steps (`v0`, `v1`,
 * ...). The same text is what runs (through `new Function`) and what a failure prints, so the pasted code is
 * exactly the program that failed. This file holds the step and value types, running one step or a whole
 * program on a backend, and printing a program with its weighted-sum loss and `backward()`.
 */
import * as cp from '@cp/core';
import type { Backend, DType } from '@cp/core/backend';

/** One step: `const v<i> = <expr>;` where `expr` reads the steps listed in `inputs`. */
export interface Step {
  /** The TypeScript expression (uses `cp` and the names `v<k>` of earlier steps). */
  readonly expr: string;
  /** Indices of the earlier steps the expression reads. */
  readonly inputs: readonly number[];
  /** True for a leaf (a tensor made from plain numbers). */
  readonly leaf: boolean;
  /** The error-bound rule of the op (see bounds.ts); absent for leaves. */
  readonly bound?: BoundRule;
}

/** What the reference run knows about a step's value. */
export interface Info {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly requiresGrad: boolean;
  /** The reference's values, flat, row-major. */
  readonly data: Float64Array;
  /** max |x| over the data (0 when empty). */
  readonly maxAbs: number;
  /** First-order bound on |backend - reference| of each element (0 for leaves, ints and bools). */
  readonly err: number;
}

/**
 * The local error model of one op, computed from the reference's values of its inputs and output:
 * `round` is the op's own rounding (absolute, in units of 2^-23), `gain[k]` bounds how much an error in
 * input k grows in the output (the ∞-norm of the Jacobian), `back[k]` how much a gradient error grows
 * flowing back into input k (the 1-norm), and `dErr[k]` bounds the error of the local derivative for
 * input k caused by the inputs' own errors (second derivatives times the input errors); `backTerms` is the
 * number of terms the backward rule sums per element (matmul's other dim, softmax's row), 0 by default.
 */
export interface Bound {
  readonly round: number;
  readonly gain: readonly number[];
  readonly back: readonly number[];
  readonly dErr: readonly number[];
  readonly backTerms?: number;
}

/** Computes an op's `Bound` from the reference values of its inputs and output. */
export type BoundRule = (ins: readonly Info[], out: Info) => Bound;

/** The name of step `i` in printed code. */
export const nameOf = (i: number): string => `v${i}`;

/** The weights of the loss: `loss = Σ_sinks sum(sink · weight)`. */
export interface LossTerm {
  readonly step: number;
  /** Nested-array literal of the weights (same shape as the sink). */
  readonly weights: string;
  readonly maxAbsWeight: number;
}

/** A resolved program: its steps, the loss terms, and the leaves whose gradients are compared. */
export interface Program {
  readonly steps: readonly Step[];
  readonly loss: readonly LossTerm[];
  readonly gradLeaves: readonly number[];
}

/** The expression of the loss (null when no value requires a gradient). */
export function lossExpr(p: Program): string | null {
  if (p.loss.length === 0) return null;
  return p.loss
    .map((t) => `cp.sum(cp.mul(${nameOf(t.step)}, cp.tensor(${t.weights})))`)
    .reduce((acc, term) => `cp.add(${acc}, ${term})`);
}

/** The program as TypeScript a developer can paste into a test (with a backend already set). */
export function programCode(p: Program): string {
  const lines = p.steps.map((s, i) => `const ${nameOf(i)} = ${s.expr};`);
  const loss = lossExpr(p);
  if (loss) {
    lines.push(`const loss = ${loss};`, 'loss.backward();');
    lines.push(`// compare every v<i> and ${p.gradLeaves.map((i) => `${nameOf(i)}.grad`).join(', ')}`);
  } else {
    lines.push('// compare every v<i> (no value requires a gradient)');
  }
  return lines.join('\n');
}

// NOTE: compiled functions are cached by text: resolution tries the same expressions again and again.
const compiled = new Map<string, (...args: unknown[]) => unknown>();

function compile(params: string[], body: string): (...args: unknown[]) => unknown {
  const key = `${params.join(',')}|${body}`;
  let f = compiled.get(key);
  if (!f) {
    f = new Function('cp', ...params, body) as (...args: unknown[]) => unknown;
    if (compiled.size > 20_000) compiled.clear();
    compiled.set(key, f);
  }
  return f;
}

/** Runs `fn` with `backend` current (the printed code uses the current backend), restoring the previous one. */
export function onBackend<T>(backend: Backend, fn: () => T): T {
  const previous = cp.getBackend();
  cp.setBackendSync(backend);
  try {
    return fn();
  } finally {
    cp.setBackendSync(previous);
  }
}

/** Evaluates one step's expression given the tensors of all earlier steps (call inside `onBackend`). */
export function evalStep(step: Step, values: readonly cp.Tensor[]): cp.Tensor {
  const params = step.inputs.map(nameOf);
  const f = compile(params, `return ${step.expr};`);
  return f(cp, ...step.inputs.map((k) => values[k])) as cp.Tensor;
}

/** Evaluates the whole program (call inside `onBackend` and `tidy`): every step's tensor, then the loss. */
export function evalProgram(p: Program): { values: cp.Tensor[]; loss: cp.Tensor | null } {
  const n = p.steps.length;
  const body = [
    ...p.steps.map((s, i) => `const ${nameOf(i)} = ${s.expr};`),
    `return [[${Array.from({ length: n }, (_, i) => nameOf(i)).join(', ')}], ${lossExpr(p) ?? 'null'}];`,
  ].join('\n');
  const [values, loss] = compile([], body)(cp) as [cp.Tensor[], cp.Tensor | null];
  return { values, loss };
}

/** The Info of a tensor read back from the reference. */
export function infoOf(t: cp.Tensor, err: number): Info {
  const data = Float64Array.from(t.dataSync() as ArrayLike<number>);
  let maxAbs = 0;
  for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
  return { shape: t.shape, dtype: t.dtype, requiresGrad: t.requiresGrad, data, maxAbs, err };
}
