/**
 * What the page's histogram and violation chart show of the watched layer: the norm of each of its units, the
 * marker of its bound, and how far it is outside its constraint's set (measured even when the run trains
 * without constraints, so an unconstrained run shows how far it strays).
 */
import type { constraints, Tensor } from '@cp/core';
import { rowNorms } from '@cp/mnist-demo';
import { type LayerSetting, unitBoundMarker } from './layers.js';

/** The L2 norm of each unit (slice along dim 0) of a weight, or the absolute values of a vector or scalar. */
export function unitNorms(t: Tensor): number[] {
  return t.ndim >= 2 ? rowNorms(t) : Array.from(t.dataSync(), (v) => Math.abs(Number(v)));
}

/** The watched layer's figures: its unit norms, its marker, and `constraint`'s violation (null without one). */
export function watchFigures(
  value: Tensor,
  setting: LayerSetting,
  constraint: constraints.Constraint | null,
): { norms: number[]; marker: { at: number; label: string } | null; violation: number | null } {
  return {
    norms: unitNorms(value),
    marker: unitBoundMarker(setting),
    violation: constraint ? constraint.violation(value) : null,
  };
}
