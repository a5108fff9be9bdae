/**
 * Helpers shared by the optim and constraint suites: parameters from numbers, bit-exact snapshots, a
 * backend view without fused kernels (to test core's fallbacks), and fast-check arbitraries of shapes
 * and built-in constraints.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';

const C = cp.constraints;

/** A float32 parameter from nested numbers (or a typed array with a shape) on the current backend. */
export function param(values: cp.NestedArray | Float32Array, shape?: number[]): cp.nn.Parameter {
  const t = values instanceof Float32Array ? cp.tensor(values, { shape: shape ?? [values.length] }) : cp.tensor(values);
  return new cp.nn.Parameter(t);
}

/** A copy of the tensor's data. */
export function bits(t: cp.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

/** True when two float32 arrays are identical bit for bit (NaN payloads included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

/** The largest |a - b|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The Euclidean distance between two arrays (float64). */
export function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** The same backend with no fused kernels, so core takes its composite fallbacks. */
export function withoutFused(backend: cp.Backend): cp.Backend {
  return new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'fused') return {};
      if (key === 'name') return `${target.name}-nofused`;
      return Reflect.get(target, key, receiver);
    },
  });
}

/** The same backend, counting host reads (`readSync`/`read`): `reads()` is the number so far. */
export function countingReads(backend: cp.Backend): { backend: cp.Backend; reads(): number } {
  let n = 0;
  const counted = new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'readSync')
        return (h: Parameters<cp.Backend['readSync']>[0]) => {
          n++;
          return target.readSync(h);
        };
      if (key === 'read')
        return (h: Parameters<cp.Backend['readSync']>[0]) => {
          n++;
          return target.read(h);
        };
      return Reflect.get(target, key, receiver);
    },
  });
  return { backend: counted, reads: () => n };
}

/** Runs `fn` with `backend` current, restoring the previous backend afterwards. */
export function onBackend<T>(backend: cp.Backend, fn: () => T): T {
  const prev = cp.getBackend();
  cp.setBackendSync(backend);
  try {
    return fn();
  } finally {
    cp.setBackendSync(prev);
  }
}

/** Shapes of 1 to 3 dims with sizes 1..5. */
export const shapeArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 });

/** Float32 data of `n` elements in [-scale, scale]. */
export function dataArb(n: number, scale = 4): fc.Arbitrary<Float32Array> {
  return fc.float32Array({
    minLength: n,
    maxLength: n,
    min: Math.fround(-scale),
    max: Math.fround(scale),
    noNaN: true,
    noDefaultInfinity: true,
  });
}

/** A shape with matching data. */
export const shapedArb = shapeArb.chain((shape) =>
  dataArb(shape.reduce((a, b) => a * b, 1)).map((data) => ({ shape, data })),
);

/** A `dim` option valid for `ndim` dims: undefined (whole tensor), one dim, or a sorted subset. */
export function dimArb(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  return fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: ndim - 1 }),
    fc
      .uniqueArray(fc.integer({ min: 0, max: ndim - 1 }), { minLength: 1, maxLength: ndim })
      .map((d) => d.sort((a, b) => a - b)),
  );
}

/** A built-in constraint description that can be made for a tensor with `ndim` dims. */
export interface ConstraintCase {
  label: string;
  make: () => cp.constraints.Constraint;
  convex: boolean;
}

/** Built-ins applicable to any shape (orthogonal and symmetric need matrices and are tested separately). */
export function constraintArb(ndim: number): fc.Arbitrary<ConstraintCase> {
  const bound = fc.double({ min: -2, max: 2, noNaN: true });
  const radius = fc.double({ min: 0.1, max: 3, noNaN: true });
  const dim = dimArb(ndim);
  return fc.oneof(
    fc.tuple(bound, bound).map(([a, b]) => ({
      label: `clamp(${Math.min(a, b)}, ${Math.max(a, b)})`,
      make: () => C.clamp(Math.min(a, b), Math.max(a, b)),
      convex: true,
    })),
    fc.constant({ label: 'nonNeg', make: () => C.nonNeg(), convex: true }),
    bound.map((b) => ({ label: `greaterThan(${b})`, make: () => C.greaterThan(b), convex: true })),
    bound.map((b) => ({ label: `lessThan(${b})`, make: () => C.lessThan(b), convex: true })),
    fc.constant({ label: 'positive', make: () => C.positive(), convex: true }),
    radius.map((r) => ({ label: `linfBall(${r})`, make: () => C.linfBall(r), convex: true })),
    fc.tuple(radius, dim).map(([r, d]) => ({
      label: `maxNorm(${r}, ${JSON.stringify(d)})`,
      make: () => C.maxNorm(r, { dim: d }),
      convex: true,
    })),
    fc.tuple(radius, radius, dim).map(([a, b, d]) => ({
      label: `minMaxNorm(${Math.min(a, b)}, ${Math.max(a, b)}, ${JSON.stringify(d)})`,
      make: () => C.minMaxNorm(Math.min(a, b), Math.max(a, b), { dim: d }),
      convex: false,
    })),
    dim.map((d) => ({ label: `unitNorm(${JSON.stringify(d)})`, make: () => C.unitNorm({ dim: d }), convex: false })),
    fc.tuple(radius, dim).map(([r, d]) => ({
      label: `l2Ball(${r}, ${JSON.stringify(d)})`,
      make: () => C.l2Ball(r, { dim: d }),
      convex: true,
    })),
    fc.tuple(radius, dim).map(([r, d]) => ({
      label: `l1Ball(${r}, ${JSON.stringify(d)})`,
      make: () => C.l1Ball(r, { dim: d }),
      convex: true,
    })),
    fc.tuple(radius, dim).map(([s, d]) => ({
      label: `simplex(${s}, ${JSON.stringify(d)})`,
      make: () => C.simplex({ sum: s, dim: d }),
      convex: true,
    })),
    fc.tuple(radius, radius).map(([r, b]) => ({
      label: `intersect(nonNeg, l2Ball(${r}), linfBall(${b}))`,
      make: () => C.intersect(C.nonNeg(), C.l2Ball(r), C.linfBall(b)),
      convex: true,
    })),
    fc.tuple(radius, radius).map(([r, b]) => ({
      label: `intersect(l1Ball(${r}), clamp(-${b}, ${b / 2}))`,
      make: () => C.intersect(C.l1Ball(r), C.clamp(-b, b / 2)),
      convex: true,
    })),
  );
}

/** A shape, data for it, and a built-in constraint for it. */
export const constrainedArb = shapedArb.chain(({ shape, data }) =>
  constraintArb(shape.length).map((c) => ({ shape, data, c })),
);
