/**
 * The bounded record of one constraint of a `ConstrainedProblem`: the last N steps (value, violation,
 * multiplier) plus a summary over every step since the problem was made (count, largest and mean violation,
 * the fraction of steps that were feasible), so a long run keeps constant memory and still reports its whole
 * course.
 */

/** One step of one constraint, as `Lagrangian.step()` measured it. */
export interface ConstraintStepRecord {
  /** The Lagrangian's step count after this step (1 for the first). */
  step: number;
  /** `fn()`'s value at the point the step started from. */
  value: number;
  /** The proxy's value there (the value of `fn()` when there is no proxy). */
  proxy: number;
  /** The violation the multiplier was updated with (from the proxy when given; see `ConstraintKind`). */
  violation: number;
  /** The multiplier after the step. */
  multiplier: number;
}

/** The summary over every recorded step of one constraint. */
export interface ConstraintSummary {
  /** Steps recorded. */
  steps: number;
  /** The largest violation recorded (the positive part for 'le'/'ge', |g| for 'eq'); 0 before any step. */
  maxViolation: number;
  /** The mean of the same quantity over every recorded step; 0 before any step. */
  meanViolation: number;
  /** The fraction of steps whose violation was <= 0 ('le'/'ge') or exactly 0 ('eq'); 0 before any step. */
  feasibleFraction: number;
}

/** A ring of the last `capacity` records plus running sums for the summary. */
export class ConstraintHistory {
  private readonly ring: ConstraintStepRecord[] = [];
  private count = 0;
  private maxExcess = 0;
  private sumExcess = 0;
  private feasible = 0;

  /** Keeps the last `capacity` records; `equality` says how an excess is measured (|g| or max(0, g)). */
  constructor(
    readonly capacity: number,
    private readonly equality: boolean,
  ) {}

  /** Records one step. */
  push(r: ConstraintStepRecord): void {
    this.ring.push(r);
    if (this.ring.length > this.capacity) this.ring.shift();
    const excess = this.equality ? Math.abs(r.violation) : Math.max(0, r.violation);
    this.count++;
    this.maxExcess = Math.max(this.maxExcess, excess);
    this.sumExcess += excess;
    if (excess === 0) this.feasible++;
  }

  /** The last records, oldest first (copies). */
  recent(): ConstraintStepRecord[] {
    return this.ring.map((r) => ({ ...r }));
  }

  /** The summary over every recorded step. */
  summary(): ConstraintSummary {
    const n = this.count;
    return {
      steps: n,
      maxViolation: this.maxExcess,
      meanViolation: n === 0 ? 0 : this.sumExcess / n,
      feasibleFraction: n === 0 ? 0 : this.feasible / n,
    };
  }
}
