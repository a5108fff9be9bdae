/**
 * The runs drawn on the page: each Start adds one, with its own colour, a dashed line when its constraints
 * are off, and a legend label naming its settings; the charts draw every run until "Clear runs".
 */
import type { Series } from '@cp/mnist-demo';
import type { RunControls } from './url-state.js';

/** One run's settings as drawn, and its curves as (step, value) points. */
export interface Run {
  label: string;
  color: string;
  dashed: boolean;
  loss: [number, number][];
  trainAccuracy: [number, number][];
  heldOut: [number, number][];
  excess: [number, number][];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** The legend label of a run, e.g. "mlp, maxNorm on, adam 1e-3". */
export function runLabel(c: RunControls): string {
  return `mlp, maxNorm ${c.constraints ? 'on' : 'off'}, ${c.optimizer} ${c.lr.toExponential(0).replace('e+', 'e')}`;
}

/** A new, empty run for `c`, coloured by its place among the runs drawn (`index`). */
export function newRun(c: RunControls, index: number): Run {
  return {
    label: runLabel(c),
    color: PALETTE[index % PALETTE.length],
    dashed: !c.constraints,
    loss: [],
    trainAccuracy: [],
    heldOut: [],
    excess: [],
  };
}

/** One chart series per run with at least two points of `pick`'s curve. */
export function seriesOf(runs: readonly Run[], pick: (r: Run) => [number, number][]): Series[] {
  return runs
    .filter((r) => pick(r).length > 1)
    .map((r) => ({ name: r.label, color: r.color, dashed: r.dashed, points: pick(r) }));
}
