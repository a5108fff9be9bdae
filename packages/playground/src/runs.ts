/**
 * The runs drawn on the page: each Start adds one, with its own colour, a dashed line when its constraints
 * are off, and a legend label naming its model, constraints and optimizer; the charts draw every run until
 * "Clear runs".
 */
import type { Series } from '@cp/mnist-demo';
import { describeConstraints, type Layer } from './layers.js';
import type { RunControls } from './url-state.js';

/** One run's settings as drawn, and its curves as (step, value) points. */
export interface Run {
  label: string;
  color: string;
  dashed: boolean;
  loss: [number, number][];
  trainAccuracy: [number, number][];
  heldOut: [number, number][];
  /** How far the watched layer is outside its constraint's set (0: inside). */
  excess: [number, number][];
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** A learning rate as the legend writes it: `1e-3`, `3e-3`, `2.5e-4`. */
export const formatLr = (lr: number): string => lr.toExponential().replace('e+', 'e');

/**
 * The legend label of a run, e.g. `cnn, conv1 maxNorm 2 · fc spectralNorm 1, adam 3e-3` (the constraints of
 * `layers` in `c`, or `constraints off`).
 */
export function runLabel(c: RunControls, layers: readonly Layer[]): string {
  const constraints = c.constraints ? describeConstraints(layers, c.settings) : 'constraints off';
  return `${c.model}, ${constraints}, ${c.optimizer} ${formatLr(c.lr)}`;
}

/** A new, empty run for `c` on `layers`, coloured by its place among the runs drawn (`index`). */
export function newRun(c: RunControls, layers: readonly Layer[], index: number): Run {
  return {
    label: runLabel(c, layers),
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
