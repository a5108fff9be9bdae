/**
 * Labels and short figures shared by the CLI's text and the HTML report: an overhead variant's name, a
 * model's total constraint overhead, and its constraints in one cell.
 */
import type { ModelSpec } from '../models/spec.js';
import type { Overhead } from '../train/overhead.js';
import type { RunResult } from '../train/run.js';

/** The label of an overhead variant: one of `spec`'s constraint parts, or all of them. */
export function variantLabel(spec: ModelSpec, name: string): string {
  return name === 'all' ? 'all of them (this run)' : (spec.partLabels[name] ?? name);
}

/** The overhead of all of a model's constraints together, in percent of its unconstrained step. */
export function overheadPercent(o: Overhead | null): number | null {
  return o?.variants.find((v) => v.name === 'all')?.overheadPercent ?? null;
}

/** The constraints of a run in one short cell: `target: constraint` joined with `; `. */
export function constraintsCell(run: RunResult): string {
  if (run.registrations.length === 0) return 'none';
  return run.registrations.map((r) => `${r.target}: ${r.constraint}`).join('; ');
}
