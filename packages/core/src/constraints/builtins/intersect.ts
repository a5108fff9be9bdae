/**
 * `intersect(a, b, ...)`: the projection onto the intersection of sets. Boxes merge into one box (exact);
 * convex sets use Dykstra's algorithm, which converges to the projection onto the intersection (plain
 * alternating projections only find some point of it); non-convex parts fall back to cyclic projections.
 */

import { keep, tidy } from '../../engine/scope.js';
import { ArgumentError } from '../../errors.js';
import { zerosLike } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, isExactly, type JsonValue } from '../constraint.js';
import { BoxConstraint } from './bounds.js';

/** Options of `intersect` (pass as the last argument). */
export interface IntersectOptions {
  /** Iteration cap of Dykstra's algorithm (default 1000). */
  maxIter?: number;
  /** Stop when every set is satisfied within its tolerance and no coordinate moved more than this (default 1e-6). */
  tol?: number;
}

/** The intersection of several constraints. */
export class IntersectConstraint extends Constraint {
  readonly name = 'intersect';
  override readonly convex: boolean;
  readonly parts: readonly Constraint[];
  readonly maxIter: number;
  readonly tol: number;

  constructor(parts: readonly Constraint[], options?: IntersectOptions) {
    super();
    if (parts.length === 0) throw new ArgumentError('intersect: give at least one constraint');
    this.parts = parts;
    this.maxIter = options?.maxIter ?? 1000;
    this.tol = options?.tol ?? 1e-6;
    this.convex = parts.every((c) => c.convex);
    this.options = {
      constraints: parts.map((c) => c.toSpec() as unknown as JsonValue),
      maxIter: this.maxIter,
      tol: this.tol,
    };
  }

  override toString(): string {
    return `intersect(${this.parts.map(String).join(', ')})`;
  }

  /**
   * Safe when the projection is one safe projection: boxes merged into one (an empty merge already failed at
   * registration), or a single safe part. Dykstra's iterations can fail to converge and raise, so they are not.
   */
  override get safeProjection(): boolean {
    if (!isExactly(this, IntersectConstraint)) return false;
    if (this.parts.length === 1) return this.parts[0].safeProjection;
    return this.parts.every((c) => c instanceof BoxConstraint && c.safeProjection);
  }

  /** The box all parts amount to, when every part is a box. */
  mergedBox(): BoxConstraint | null {
    if (!this.parts.every((c) => c instanceof BoxConstraint)) return null;
    const boxes = this.parts as BoxConstraint[];
    const lo = Math.max(...boxes.map((b) => b.lo));
    const hi = Math.min(...boxes.map((b) => b.hi));
    if (lo > hi) throw new ConstraintError(`${this}: the boxes do not intersect ([${lo}, ${hi}] is empty)`);
    return new BoxConstraint('intersect', lo, hi, {});
  }

  /** Dykstra's cycle: non-box parts in order, then all boxes merged into one, last (so it holds exactly). */
  private cycle(): Constraint[] {
    const boxes = this.parts.filter((c) => c instanceof BoxConstraint);
    const others = this.parts.filter((c) => !(c instanceof BoxConstraint));
    if (boxes.length === 0) return others;
    return [...others, new IntersectConstraint(boxes).mergedBox()!];
  }

  // NOTE: Dykstra converges only asymptotically; parts with tolerance 0 (boxes) come last in the cycle, so they
  // hold exactly, and the others must hold within their own documented tolerances.
  private feasible(x: Tensor): boolean {
    return this.parts.every(
      (c) => c.violation(x) <= Math.max(c.tolerance(x), c instanceof BoxConstraint ? 0 : this.tol),
    );
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    const box = this.mergedBox();
    if (box) {
      box.project_(x);
      return;
    }
    if (this.parts.length === 1) {
      this.parts[0].project_(x);
      return;
    }
    if (this.feasible(x)) return;
    // Dykstra: y = x + p_i; x = P_i(y); p_i = y - x. Without the increments p_i (non-convex parts) this is
    // cyclic projection.
    const dykstra = this.convex;
    const cycle = this.cycle();
    let increments: Tensor[] = dykstra ? cycle.map(() => keep(zerosLike(x))) : [];
    let cur = keep(x.clone());
    try {
      for (let it = 0; it < this.maxIter; it++) {
        const prev = cur;
        const next = tidy(() => {
          let y = prev;
          const nextIncs: Tensor[] = [];
          cycle.forEach((c, i) => {
            const shifted = dykstra ? y.add(increments[i]) : y.clone();
            const projected = shifted.clone();
            c.project_(projected);
            if (dykstra) nextIncs.push(shifted.sub(projected));
            y = projected;
          });
          const moved = y.sub(prev).abs().max().item();
          return { y, nextIncs, moved };
        });
        for (const t of increments) t.dispose();
        increments = next.nextIncs.map((t) => keep(t));
        cur = keep(next.y);
        prev.dispose();
        if (next.moved <= this.tol && this.feasible(cur)) break;
        if (Number.isNaN(next.moved)) break;
      }
      if (!this.feasible(cur)) {
        const worst = this.parts.map((c) => `${c}: ${c.violation(cur)}`).join('; ');
        throw new ConstraintError(
          `${this}: no point satisfying every set was found in ${this.maxIter} iterations (violations ${worst}); the sets may not intersect`,
        );
      }
      x.copy_(cur);
    } finally {
      cur.dispose();
      for (const t of increments) t.dispose();
    }
  }

  override violation(value: Tensor): number {
    return Math.max(...this.parts.map((c) => c.violation(value)));
  }

  /** The largest tolerance of the parts. */
  override tolerance(value: Tensor): number {
    return Math.max(...this.parts.map((c) => c.tolerance(value)));
  }

  override check(value: Tensor, options?: { tol?: number }): { ok: boolean; maxViolation: number } {
    const maxViolation = this.violation(value);
    const ok =
      options?.tol !== undefined
        ? maxViolation <= options.tol
        : this.parts.every((c) => c.violation(value) <= c.tolerance(value));
    return { ok, maxViolation };
  }
}

/**
 * The intersection of constraints (`intersect(maxNorm(1), nonNeg())`); an options object may come last.
 * Exact for boxes; Dykstra's algorithm for convex sets, with an iteration cap and a tolerance.
 */
export function intersect(...args: (Constraint | IntersectOptions)[]): IntersectConstraint {
  const last = args[args.length - 1];
  const options = last && !(last instanceof Constraint) ? (last as IntersectOptions) : undefined;
  const parts = (options ? args.slice(0, -1) : args) as Constraint[];
  for (const p of parts)
    if (!(p instanceof Constraint))
      throw new ArgumentError('intersect: every argument but the last options object must be a Constraint');
  return new IntersectConstraint(parts, options);
}
