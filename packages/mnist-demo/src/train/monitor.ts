/**
 * Watches the constraints during a run: after every step, the largest violation of every registered
 * parameter constraint so far, and how often the gradient clip fired.
 */
import type { nn } from '@cp/core';

/** The worst a constraint got over a run. */
export interface ViolationRecord {
  /** The parameter's dotted name. */
  name: string;
  constraint: string;
  mode: 'project' | 'reparametrize';
  /** The largest violation seen after any step (0 means it held every time). */
  maxViolation: number;
  /** False if any step left the parameter outside its set beyond the constraint's tolerance. */
  ok: boolean;
  /** Steps checked. */
  checks: number;
}

/** Statistics of the global-norm gradient clip over a run. */
export interface ClipRecord {
  maxNorm: number;
  /** Steps whose gradient norm was above `maxNorm` (and were scaled down). */
  clipped: number;
  steps: number;
  /** The largest total gradient norm before clipping. */
  largestNorm: number;
}

/** Accumulates `constraintReport()` after every step into the worst case per constraint. */
export class ConstraintMonitor {
  readonly records = new Map<string, ViolationRecord>();
  /** Clip statistics, when the run clips gradients. */
  clip: ClipRecord | null = null;

  /** Checks every constraint of `model` now. */
  observe(model: nn.Module): void {
    for (const e of model.constraintReport()) {
      const key = `${e.name} ${e.constraint}`;
      const r = this.records.get(key);
      if (!r) {
        this.records.set(key, { ...e, checks: 1 });
      } else {
        r.maxViolation = Math.max(r.maxViolation, e.maxViolation);
        r.ok &&= e.ok;
        r.checks++;
      }
    }
  }

  /** Records one step's total gradient norm before clipping to `maxNorm`. */
  observeClip(norm: number, maxNorm: number): void {
    this.clip ??= { maxNorm, clipped: 0, steps: 0, largestNorm: 0 };
    this.clip.steps++;
    if (norm > maxNorm) this.clip.clipped++;
    this.clip.largestNorm = Math.max(this.clip.largestNorm, norm);
  }

  /** Every record, in registration order. */
  report(): ViolationRecord[] {
    return [...this.records.values()];
  }

  /** True when every constraint held after every step. */
  allHeld(): boolean {
    return this.report().every((r) => r.ok);
  }
}
