/**
 * How close a backend's result must be to the float64 reference, per op (the table is explained in
 * docs/numerics.md). Three kinds: exact (bitwise, NaN equals NaN, and -0 differs from +0 where the op's
 * sign of zero is specified), ULP-bounded (for transcendental functions, whose last bit is
 * implementation-defined), and a per-element bound computed from the inputs (for sums and everything
 * built on them, since lane-split or blocked summation reorders rounding).
 */
import type { BinaryOp, UnaryOp } from '@cp/core/backend';

/** A tolerance rule. */
export type Tolerance =
  | { readonly kind: 'exact'; readonly signedZero: boolean }
  | { readonly kind: 'ulp'; readonly ulps: number }
  | { readonly kind: 'bound' };

/** Bitwise equality; `signedZero` makes -0 and +0 differ. */
export const exact = (signedZero = true): Tolerance => ({ kind: 'exact', signedZero });
/** At most `ulps` float32 units in the last place from the (float64, rounded once) reference. */
export const ulps = (n: number): Tolerance => ({ kind: 'ulp', ulps: n });
/** `|got - ref| <= bound[i]`, with the bound computed per element by the suite. */
export const bounded: Tolerance = { kind: 'bound' };

/** float32 machine epsilon, 2^-23 (twice the unit roundoff). */
export const EPS32 = 2 ** -23;
/** An absolute floor for bounds: far below any normal float32, so it only forgives subnormal noise. */
export const TINY = 2 ** -120;

/** Tolerance of each unary op on float32 (int32 unary ops are always exact). */
export const UNARY_TOLERANCE: Readonly<Record<UnaryOp, Tolerance>> = {
  neg: exact(),
  abs: exact(),
  sign: exact(false),
  sqrt: exact(),
  floor: exact(),
  relu: exact(false),
  recip: ulps(1),
  exp: ulps(2),
  expm1: ulps(2),
  log: ulps(2),
  log1p: ulps(2),
  sin: ulps(2),
  cos: ulps(2),
  rsqrt: ulps(2),
  tanh: ulps(4),
  sigmoid: ulps(4),
  erf: ulps(8),
  // NOTE: each backend evaluates these four in float64 (Math.* or Rust's libm) and rounds once, which is
  // within 1 ulp of the correctly rounded float32; 2 leaves room for the last bit of the double.
  tan: ulps(2),
  atan: ulps(2),
  asin: ulps(2),
  acos: ulps(2),
};

/** Tolerance of each binary op on float32 (int32 binary ops are always exact). */
export const BINARY_TOLERANCE: Readonly<Record<BinaryOp, Tolerance>> = {
  add: exact(),
  sub: exact(),
  mul: exact(),
  div: exact(),
  max: exact(),
  min: exact(),
  pow: ulps(8),
  atan2: ulps(2),
  // NOTE: fmod is exact in any precision; remainder adds `b` once to fmod's exact result, one rounding.
  fmod: exact(),
  remainder: exact(),
  // NOTE: max + log1p(e^-|a-b|) in float64 is within a few double ulps, far inside one float32 ulp.
  logaddexp: ulps(2),
};

/**
 * The summation bound `n·2^-23·Σ|terms| + tiny`: covers any order of `n` float32 additions (each within
 * half an ulp of its result), on both the backend and the reference side.
 */
export function sumBound(n: number, sumAbs: number): number {
  return Math.max(n, 1) * EPS32 * sumAbs + TINY;
}

/** Distance in float32 ulps between two finite float32 values (-0 and +0 are 0 apart). */
export function ulpDistance(a: number, b: number): number {
  const buf = new Float32Array([a, b]);
  const bits = new Int32Array(buf.buffer);
  const ordered = (i: number) => (i < 0 ? -(i & 0x7fffffff) : i);
  return Math.abs(ordered(bits[0]) - ordered(bits[1]));
}

/** True when `got` matches `ref` under `tol` (`bound` is used by bounded tolerances). */
export function matches(got: number, ref: number, tol: Tolerance, bound = 0): boolean {
  if (Number.isNaN(ref) || Number.isNaN(got)) return Number.isNaN(ref) && Number.isNaN(got);
  if (tol.kind === 'exact') return tol.signedZero ? Object.is(got, ref) : got === ref;
  if (!Number.isFinite(ref) || !Number.isFinite(got)) return got === ref;
  if (tol.kind === 'ulp') return ulpDistance(got, ref) <= tol.ulps;
  return Math.abs(got - ref) <= bound;
}

/** Formats a number so that -0, NaN and the last float32 bits are visible. */
export function fmt(v: number): string {
  if (Object.is(v, -0)) return '-0';
  return Number.isFinite(v)
    ? `${v} (0x${(new Uint32Array(new Float32Array([v]).buffer)[0] >>> 0).toString(16)})`
    : String(v);
}

function describeTol(tol: Tolerance, bound: number): string {
  if (tol.kind === 'exact') return tol.signedZero ? 'exact' : 'exact (±0 equal)';
  if (tol.kind === 'ulp') return `≤ ${tol.ulps} ulp`;
  return `|diff| ≤ ${bound}`;
}

/**
 * Throws a descriptive error at the first element where `got` and `ref` differ beyond `tol`. `inputs(i)`
 * describes the inputs behind element i, so a failure names the values that broke the kernel.
 */
export function assertClose(
  what: string,
  got: ArrayLike<number>,
  ref: ArrayLike<number>,
  tol: Tolerance,
  options?: { bounds?: ArrayLike<number>; inputs?: (i: number) => string },
): void {
  if (got.length !== ref.length) throw new Error(`${what}: got ${got.length} elements, expected ${ref.length}`);
  for (let i = 0; i < ref.length; i++) {
    const bound = options?.bounds?.[i] ?? 0;
    if (!matches(got[i], ref[i], tol, bound)) {
      const extra =
        tol.kind === 'ulp' && Number.isFinite(got[i]) && Number.isFinite(ref[i])
          ? `, ${ulpDistance(got[i], ref[i])} ulp apart`
          : '';
      const inputs = options?.inputs ? `; inputs: ${options.inputs(i)}` : '';
      throw new Error(
        `${what}: element ${i} is ${fmt(got[i])}, reference ${fmt(ref[i])} (${describeTol(tol, bound)}${extra})${inputs}`,
      );
    }
  }
}

/** Headroom of the composite bound, in float32 epsilons of the tensor's largest magnitude. */
export const COMPOSITE_EPS = 64;

/**
 * Bounds for a whole op or gradient computed through several kernels: `64·2^-23·max|ref| + tiny` for every
 * element of the tensor. Each kernel is within a few ulp (or the summation bound), and composites sum
 * terms no larger than the tensor's largest magnitude for the well-conditioned inputs the op suites use.
 */
export function compositeBounds(ref: ArrayLike<number>): number[] {
  let scale = 0;
  for (let i = 0; i < ref.length; i++) if (Number.isFinite(ref[i])) scale = Math.max(scale, Math.abs(ref[i]));
  return Array.from({ length: ref.length }, () => COMPOSITE_EPS * EPS32 * scale + TINY);
}
