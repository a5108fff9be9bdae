/**
 * Per-element bounds: `clamp(lower, upper)` and `interval(lower, upper)` where either bound is a tensor that
 * broadcasts to the parameter's shape. The bounds are copied to float32 host arrays when the constraint is made
 * (so later writes to, or disposal of, the caller's tensor change nothing) and uploaded once per backend. The
 * projection is an elementwise select (exact and idempotent); the reparametrization is the scalar box's
 * sigmoid or softplus with the bounds broadcast. Specs carry each tensor bound as `{ shape, values }`.
 */
import type { Backend } from '../../backend/backend.js';
import { keep } from '../../engine/lifetime.js';
import { ArgumentError, fmtShape } from '../../errors.js';
import { relu, sigmoid, softplus } from '../../ops/activation.js';
import { compare, where } from '../../ops/compare.js';
import { tensor } from '../../tensor/creation.js';
import { broadcastShapes, sizeOf } from '../../tensor/shape.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type JsonValue, type SetShape } from '../constraint.js';
import { softplusInverse } from './softplus-inverse.js';

// NOTE: as in the scalar box, a value at a bound is moved inward by the least distance that gives a finite raw.
const TINY = 2 ** -126;

/** A bound on its own: a number (rounded to float32) or a float32 host copy of a tensor with its shape. */
export type ElementBound = number | { shape: number[]; values: Float32Array };

/** `b` as a spec option: a number as given, a tensor bound as `{ shape, values }`. */
export function boundSpec(b: ElementBound | null): JsonValue {
  if (b === null || typeof b === 'number') return b;
  return { shape: [...b.shape], values: Array.from(b.values) };
}

/**
 * Reads a bound argument of `op`: null/undefined, a number, a Tensor, or a spec's `{ shape, values }`. Tensor
 * elements must not be NaN nor the infinity on the wrong side (`side` says which bound it is); `finite` forbids
 * both infinities. Returns null for a missing bound, and undefined for anything else (the caller's number check
 * then names it).
 */
export function readBound(
  op: string,
  name: string,
  v: unknown,
  side: 'lower' | 'upper',
  finite: boolean,
): ElementBound | null | undefined {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  let shape: number[];
  let values: Float32Array;
  if (isTensor(v)) {
    shape = [...v.shape];
    values = Float32Array.from(v.dataSync() as ArrayLike<number>);
  } else if (isBoundSpec(v)) {
    shape = [...v.shape];
    if (sizeOf(shape) !== v.values.length)
      throw new ArgumentError(
        `${op}: ${name} has shape ${fmtShape(shape)} but ${v.values.length} values; a tensor bound in a spec is { shape, values } with one value per element`,
      );
    values = Float32Array.from(v.values);
  } else return undefined;
  const wrong = side === 'lower' ? Infinity : -Infinity;
  for (const x of values) {
    if (Number.isNaN(x) || x === wrong || (finite && !Number.isFinite(x)))
      throw new ArgumentError(
        `${op}: every element of ${name} must be ${finite ? 'a finite number' : `a number (or ${-wrong})`}, got ${x} in a bound of shape ${fmtShape(shape)}`,
      );
  }
  return { shape, values };
}

function isBoundSpec(v: unknown): v is { shape: number[]; values: number[] } {
  if (v === null || typeof v !== 'object') return false;
  const o = v as { shape?: unknown; values?: unknown };
  return (
    Array.isArray(o.shape) &&
    o.shape.every((d) => Number.isInteger(d) && d >= 0) &&
    Array.isArray(o.values) &&
    o.values.every((x) => typeof x === 'number')
  );
}

/** The bounds uploaded to one backend: a number stays a number. */
interface Uploaded {
  lo: Tensor | number;
  hi: Tensor | number;
}

/** `lo <= x <= hi` elementwise, where `lo` and `hi` are numbers or tensors broadcast to the parameter's shape. */
export class ElementBoxConstraint extends Constraint {
  override readonly convex = true;
  /** The lower bound (-Infinity: none), a float32 number or a host tensor. */
  readonly lo: ElementBound;
  /** The upper bound (Infinity: none). */
  readonly hi: ElementBound;
  private readonly uploads = new Map<Backend, Uploaded>();

  constructor(
    readonly name: string,
    lo: ElementBound,
    hi: ElementBound,
    options: { [key: string]: JsonValue },
  ) {
    super();
    this.lo = typeof lo === 'number' ? Math.fround(lo) : lo;
    this.hi = typeof hi === 'number' ? Math.fround(hi) : hi;
    const shapes = [lo, hi].map((b) => (typeof b === 'number' ? [] : b.shape));
    let both: number[];
    try {
      both = broadcastShapes(name, ...shapes);
    } catch {
      throw new ArgumentError(
        `${name}: the lower bound of shape ${fmtShape(shapes[0])} and the upper bound of shape ${fmtShape(shapes[1])} do not broadcast together`,
      );
    }
    const at = (b: ElementBound, i: number): number => (typeof b === 'number' ? b : b.values[i]);
    // NOTE: the order check runs over every element of the broadcast pair, indexed through the broadcast.
    forEachBroadcast(both, shapes, (i, ia, ib) => {
      const l = at(this.lo, ia);
      const h = at(this.hi, ib);
      if (!(l <= h))
        throw new ArgumentError(
          `${name}: need lower <= upper at every element, got lower ${l} > upper ${h} at flat index ${i} of the broadcast shape ${fmtShape(both)}`,
        );
    });
    this.options = options;
  }

  /** An elementwise select: finite in, finite out, once registration checked that the bounds broadcast. */
  override get safeProjection(): boolean {
    return true;
  }

  /** Not a scalar box: intersections treat it as a general convex set. */
  override get set(): SetShape | null {
    return null;
  }

  /** The bounds on `x`'s backend, after checking that they broadcast to `x`'s shape. */
  private boundsFor(x: Tensor): Uploaded {
    for (const [which, b] of [
      ['lower', this.lo],
      ['upper', this.hi],
    ] as const) {
      if (typeof b === 'number') continue;
      let out: number[] | null;
      try {
        out = broadcastShapes(this.name, x.shape, b.shape);
      } catch {
        out = null;
      }
      if (!out || out.length !== x.ndim || out.some((d, i) => d !== x.shape[i]))
        throw new ConstraintError(
          `${this}: the ${which} bound of shape ${fmtShape(b.shape)} does not broadcast to the parameter's shape ${fmtShape(x.shape)}; give a bound whose shape broadcasts to it`,
        );
    }
    let up = this.uploads.get(x.backend);
    if (!up) {
      // NOTE: uploaded once per backend and kept (the constraint owns them), so a step makes no copies.
      const put = (b: ElementBound) =>
        typeof b === 'number' ? b : keep(tensor(b.values, { shape: b.shape, backend: x.backend }));
      up = { lo: put(this.lo), hi: put(this.hi) };
      this.uploads.set(x.backend, up);
    }
    return up;
  }

  override project_(x: Tensor): void {
    const bounds = this.boundsFor(x);
    if (x.size > 0) x.copy_(clip(x, bounds));
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    const { lo, hi } = this.boundsFor(value);
    const below = relu(value.neg().add(lo)).max().item();
    const above = relu(value.sub(hi)).max().item();
    return Number.isNaN(value.sum().item()) ? Number.NaN : Math.max(below, above, 0);
  }

  override transform(raw: Tensor): Tensor {
    const { lo, hi } = this.finiteBounds(raw);
    if (lo !== null && hi !== null) {
      // NOTE: each half measures from its nearer bound, as in the scalar box, so values near a bound keep
      // their float32 precision; the clip catches the last ulp of rounding past a bound.
      const w = width(lo, hi);
      const below = sigmoid(raw).mul(w).add(lo);
      const above = sigmoid(raw.neg()).mul(w).neg().add(hi);
      return clip(where(compare('lt', raw, 0), below, above), { lo, hi });
    }
    if (lo !== null) return softplus(raw).add(lo);
    if (hi !== null) return softplus(raw.neg()).neg().add(hi);
    return raw;
  }

  /** The raw value for `value`: `log(v - lo) - log(hi - v)` with both bounds, `softplus⁻¹` of the distance otherwise. */
  override inverse(value: Tensor): Tensor {
    const { lo, hi } = this.finiteBounds(value);
    if (lo !== null && hi !== null) {
      const w = width(lo, hi);
      if (typeof w === 'number' ? !(w > 0) : compare('le', w, 0).sum().item() > 0)
        throw new ArgumentError(`${this}: the reparametrization needs lower < upper at every element`);
      return value.sub(lo).clamp(TINY, null).log().sub(value.neg().add(hi).clamp(TINY, null).log());
    }
    if (lo !== null) return softplusInverse(value.sub(lo).clamp(TINY, null));
    if (hi !== null) return softplusInverse(value.neg().add(hi).clamp(TINY, null)).neg();
    return value.clone();
  }

  /**
   * The bounds for the reparametrization: null where a bound is absent (every element infinite); a bound with
   * some infinite elements and some finite ones has no one transform, so it raises.
   */
  private finiteBounds(x: Tensor): { lo: Tensor | number | null; hi: Tensor | number | null } {
    const { lo, hi } = this.boundsFor(x);
    const side = (b: ElementBound, up: Tensor | number, which: string) => {
      const vals = typeof b === 'number' ? [b] : b.values;
      const finite = vals.filter((v) => Number.isFinite(v)).length;
      if (finite === vals.length) return up;
      if (finite === 0) return null;
      throw new ArgumentError(
        `${this}: the reparametrization needs the ${which} bound finite at every element or absent; it is infinite at ${vals.length - finite} of ${vals.length} elements. Use mode 'project'`,
      );
    };
    return { lo: side(this.lo, lo, 'lower'), hi: side(this.hi, hi, 'upper') };
  }
}

/** `hi - lo`, a number when both are numbers. */
function width(lo: Tensor | number, hi: Tensor | number): Tensor | number {
  if (typeof hi !== 'number') return hi.sub(lo);
  return typeof lo === 'number' ? hi - lo : lo.neg().add(hi);
}

/** `x` clipped into `[lo, hi]` by selects (exact: every result is an element of x, lo or hi; NaN stays NaN). */
function clip(x: Tensor, { lo, hi }: { lo: Tensor | number; hi: Tensor | number }): Tensor {
  const low = where(compare('lt', x, lo), lo, x);
  return where(compare('gt', low, hi), hi, low);
}

/** Calls `fn(i, ia, ib)` for each flat index of `out` with the flat indices of two inputs broadcast to it. */
function forEachBroadcast(out: number[], shapes: number[][], fn: (i: number, ia: number, ib: number) => void): void {
  const n = sizeOf(out);
  const strides = shapes.map((s) => {
    const st = new Array<number>(out.length).fill(0);
    let acc = 1;
    for (let k = s.length - 1; k >= 0; k--) {
      const j = out.length - s.length + k;
      st[j] = s[k] === 1 ? 0 : acc;
      acc *= s[k];
    }
    return st;
  });
  const idx = new Array<number>(out.length).fill(0);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < out.length; k++) {
      ia += idx[k] * strides[0][k];
      ib += idx[k] * strides[1][k];
    }
    fn(i, ia, ib);
    for (let k = out.length - 1; k >= 0; k--) {
      if (++idx[k] < out[k]) break;
      idx[k] = 0;
    }
  }
}
