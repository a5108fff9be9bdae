/**
 * From a layer's playground setting to a core constraint, and the registration of every layer's constraint on
 * a model with `model.registerConstraint(name, constraint, { mode })`. A setting that does not fit, or that
 * core refuses, raises a `LayerSettingError` naming the layer, which the worker reports to the page.
 */
import { constraints as C, CpError, type nn } from '@cp/core';
import type { Registration } from '@cp/mnist-demo';
import { isRecurrent, type Layer, type LayerSetting, layerProblem } from './layers.js';

/** A layer setting that cannot be registered; the message names the layer and what to change. */
export class LayerSettingError extends CpError {
  override name = 'LayerSettingError';
}

/** The dims of one unit of a weight: all but the first (1 for a matrix, as `@cp/mnist-demo`'s models use). */
function unitDims(shape: readonly number[]): number | number[] | undefined {
  if (shape.length < 2) return undefined;
  return shape.length === 2 ? 1 : Array.from({ length: shape.length - 1 }, (_, i) => i + 1);
}

/**
 * The core constraint `s` stands for on `layer` (null for `none`): the norm bounds per unit (`maxNorm`,
 * `unitNorm`), `l2Ball` and `spectralNorm` on the whole weight, `orthogonal` per gate on a recurrent weight
 * (`C.perGate`, so each `[H, ·]` gate block is orthogonal) and on the whole matrix otherwise.
 */
export function buildConstraint(layer: Layer, s: LayerSetting): C.Constraint | null {
  const problem = layerProblem(layer, s);
  if (problem) throw new LayerSettingError(problem);
  const dim = unitDims(layer.shape);
  const bound = s.bound ?? Number.NaN;
  switch (s.kind) {
    case 'none':
      return null;
    case 'maxNorm':
      return C.maxNorm(bound, { dim });
    case 'unitNorm':
      return C.unitNorm({ dim });
    case 'l2Ball':
      return C.l2Ball(bound);
    case 'nonNeg':
      return C.nonNeg();
    case 'positive':
      return C.positive();
    case 'spectralNorm':
      return C.spectralNorm(bound);
    case 'orthogonal':
      return isRecurrent(layer.name) ? C.perGate(C.orthogonal(), 'lstm') : C.orthogonal();
    default: {
      const unknown: never = s.kind;
      throw new LayerSettingError(`${layer.name}: unknown constraint kind '${unknown}'`);
    }
  }
}

/**
 * Registers every layer's constraint on `model` (in layer order) and lists what was registered. A setting core
 * refuses (e.g. reparametrizing a constraint without a transform) raises a `LayerSettingError` that names the
 * layer and carries core's message.
 */
export function registerLayerConstraints(
  model: nn.Module,
  layers: readonly Layer[],
  settings: Readonly<Record<string, LayerSetting>>,
): Registration[] {
  const out: Registration[] = [];
  for (const layer of layers) {
    const s = settings[layer.name];
    const c = s ? buildConstraint(layer, s) : null;
    if (!s || !c) continue;
    try {
      model.registerConstraint(layer.name, c, { mode: s.mode });
    } catch (e) {
      throw new LayerSettingError(`${layer.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    out.push({ target: layer.name, constraint: String(c), mode: s.mode, why: 'picked in the playground' });
  }
  return out;
}
