/**
 * `intersect(a, b, ...)`: the projection onto the intersection of sets. Boxes merge into one box (exact); a box
 * with a simplex, an L1 ball or an L2 ball has an exact closed form (intersect-exact.ts); other convex sets use
 * Dykstra's algorithm, which converges to the projection onto the intersection (plain alternating projections
 * only find some point of it); non-convex parts fall back to cyclic projections.
 */

import { keep, tidy } from '../../engine/lifetime.js';
import { ArgumentError, fmtShape } from '../../errors.js';
import { zerosLike } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type JsonValue, type SetShape } from '../constraint.js';
import { BoxConstraint } from './bounds.js';
import { type ExactIntersection, exactIntersection, projectExact } from './intersect-exact.js';

/** A leaf of an intersection with the box it declares, if it is one. */
type Leaf = { c: Constraint; box: { lo: number; hi: number } | null };

/** The leaves of `parts`: every part, with the parts of declared intersections flattened in. */
function leavesOf(parts: readonly Constraint[]): Leaf[] {
  return parts.flatMap((c) => {
    const set = c.set;
    if (set?.type === 'intersection') return leavesOf(set.parts);
    return [{ c, box: set?.type === 'box' ? { lo: set.lo, hi: set.hi } : null }];
  });
}

/** The one box equal to the intersection of `boxes`; raises when it is empty. */
function mergeBoxes(owner: Constraint, boxes: readonly { lo: number; hi: number }[]): BoxConstraint {
  const lo = Math.max(...boxes.map((b) => b.lo));
  const hi = Math.min(...boxes.map((b) => b.hi));
  if (lo > hi) throw new ConstraintError(`${owner}: the boxes do not intersect ([${lo}, ${hi}] is empty)`);
  return new BoxConstraint('intersect', lo, hi, {});
}

/** Options of `intersect` (pass as the last argument). */
export interface IntersectOptions {
  /** Iteration cap of Dykstra's algorithm (default 10000). */
  maxIter?: number;
  /**
   * Dykstra stops once every set holds within its tolerance and no increment changed by more than
   * `tol·max(1, max|x|)` in a cycle (default 1e-6).
   */
  tol?: number;
}

/** How an intersection is projected: the merged box, one set, an exact closed form, or iterations. */
type Plan =
  | { kind: 'box'; box: BoxConstraint }
  | { kind: 'one'; part: Constraint }
  | { kind: 'exact'; exact: ExactIntersection }
  | { kind: 'iterate'; cycle: Constraint[]; dykstra: boolean };

/** The intersection of several constraints. */
export class IntersectConstraint extends Constraint {
  readonly name = 'intersect';
  override readonly convex: boolean;
  readonly parts: readonly Constraint[];
  readonly maxIter: number;
  readonly tol: number;
  private planned: Plan | null = null;

  constructor(parts: readonly Constraint[], options?: IntersectOptions) {
    super();
    if (parts.length === 0) throw new ArgumentError('intersect: give at least one constraint');
    const maxIter = options?.maxIter ?? 10_000;
    const tol = options?.tol ?? 1e-6;
    if (!Number.isInteger(maxIter) || maxIter < 1)
      throw new ArgumentError(`intersect: maxIter must be an integer >= 1, got ${String(maxIter)}`);
    if (typeof tol !== 'number' || !(tol > 0) || !Number.isFinite(tol))
      throw new ArgumentError(`intersect: tol must be a finite number > 0, got ${String(tol)}`);
    this.parts = parts;
    this.maxIter = maxIter;
    this.tol = tol;
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
   * registration), or a single safe part. Closed forms and Dykstra's iterations are checked.
   */
  override get safeProjection(): boolean {
    const plan = this.plan();
    if (plan.kind === 'one') return plan.part.safeProjection;
    return plan.kind === 'box' && leavesOf(this.parts).every((l) => l.c.safeProjection);
  }

  /** The intersection of its parts. */
  override get set(): SetShape {
    return { type: 'intersection', parts: this.parts };
  }

  /** The box all parts amount to, when every part is a box. */
  mergedBox(): BoxConstraint | null {
    const leaves = leavesOf(this.parts);
    if (!leaves.every((l) => l.box)) return null;
    return mergeBoxes(
      this,
      leaves.map((l) => l.box!),
    );
  }

  private plan(): Plan {
    if (this.planned) return this.planned;
    const leaves = leavesOf(this.parts);
    const boxes = leaves.flatMap((l) => (l.box ? [l.box] : []));
    const others = leaves.filter((l) => !l.box).map((l) => l.c);
    const box = boxes.length > 0 ? mergeBoxes(this, boxes) : null;
    let plan: Plan;
    if (others.length === 0) plan = { kind: 'box', box: box! };
    else if (others.length === 1 && !box) plan = { kind: 'one', part: others[0] };
    else {
      const exact = others.length === 1 && box ? exactIntersection(String(this), box, others[0]) : null;
      // Dykstra's cycle: non-box parts in order, then all boxes merged into one, last (so it holds exactly).
      plan = exact
        ? { kind: 'exact', exact }
        : { kind: 'iterate', cycle: box ? [...others, box] : others, dykstra: this.convex };
    }
    this.planned = plan;
    return plan;
  }

  // NOTE: Dykstra converges only asymptotically; parts with tolerance 0 (boxes) come last in the cycle, so they
  // hold exactly, and the others must hold within their own documented tolerances.
  private feasible(x: Tensor): boolean {
    return this.parts.every((c) => c.violation(x) <= Math.max(c.tolerance(x), c.set?.type === 'box' ? 0 : this.tol));
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    const plan = this.plan();
    if (plan.kind === 'box') plan.box.project_(x);
    else if (plan.kind === 'one') plan.part.project_(x);
    else if (plan.kind === 'exact') projectExact(plan.exact, x);
    else if (!this.feasible(x)) this.iterate(x, plan.cycle, plan.dykstra);
  }

  /**
   * Dykstra's algorithm (convex parts): y = x + p_i; x = P_i(y); p_i = y - x, over the cycle. It stops when no
   * increment p_i changed by more than tol·scale in a cycle and every set holds (Birgin and Raydan's robust
   * criterion: a point that barely moves can still be far from the projection). Without the increments
   * (non-convex parts) it is cyclic projection, stopped when the point stops moving inside every set.
   */
  private iterate(x: Tensor, cycle: Constraint[], dykstra: boolean): void {
    const scale = Math.max(1, x.abs().max().item());
    let increments: Tensor[] = dykstra ? cycle.map(() => keep(zerosLike(x))) : [];
    let cur = keep(x.clone());
    let change = Number.POSITIVE_INFINITY;
    let converged = false;
    try {
      for (let it = 0; it < this.maxIter && !converged; it++) {
        const prev = cur;
        const next = tidy(() => {
          let y = prev;
          const nextIncs: Tensor[] = [];
          let delta: Tensor | null = null;
          cycle.forEach((c, i) => {
            const shifted = dykstra ? y.add(increments[i]) : y.clone();
            const projected = shifted.clone();
            c.project_(projected);
            if (dykstra) {
              const inc = shifted.sub(projected);
              const d = inc.sub(increments[i]).abs().max();
              delta = delta ? delta.maximum(d) : d;
              nextIncs.push(inc);
            }
            y = projected;
          });
          const moved = (delta ?? y.sub(prev).abs().max()).item();
          return { y, nextIncs, moved };
        });
        for (const t of increments) t.dispose();
        increments = next.nextIncs.map((t) => keep(t));
        cur = keep(next.y);
        prev.dispose();
        change = next.moved;
        if (Number.isNaN(change)) break;
        converged = change <= this.tol * scale && this.feasible(cur);
      }
      if (!converged) {
        const worst = this.parts.map((c) => `${c}: ${c.violation(cur)}`).join('; ');
        throw new ConstraintError(
          `${this}: Dykstra's algorithm did not converge on a tensor of shape ${fmtShape(x.shape)} in ${this.maxIter} iterations (last change ${change}, violations ${worst}); the sets may not intersect, or pass a larger maxIter`,
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
 * Exact for boxes and for a box with a simplex, an L1 ball or an L2 ball; Dykstra's algorithm for other convex
 * sets, with an iteration cap and a tolerance.
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
