/**
 * The first part of every step: the gradients the update will see. `collect` takes the parameters whose grad
 * is not null, in group order, and checks each gradient (a tensor of the parameter's backend, float32, the
 * parameter's shape) before anything else; `constrainGradients` applies each parameter's gradient constraints,
 * then the optimizer's clipValue, then clipNorm, on private copies (`param.grad` itself is never written).
 */
import { clipCoefficient, totalNormPlan } from '../../constraints/clip.js';
import { nonFiniteIndices } from '../../constraints/finite.js';
import { clampInPlace } from '../../constraints/kernels.js';
import { assertFinite } from '../../constraints/registry/enforce.js';
import { gradConstraintsOf } from '../../constraints/registry/store.js';
import type { Held, ReadPlan } from '../../engine/read.js';
import { ArgumentError, BackendError, DTypeError, fmtShape, ShapeError } from '../../errors.js';
import type { Parameter } from '../../nn/parameter.js';
import { sameShape } from '../../tensor/shape.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import type { Optimizer } from '../optimizer.js';
import type { ParamGroup, UpdateTraits } from '../types.js';

/** A parameter the step updates, with its gradient as the update will see it. */
export interface Item {
  param: Parameter;
  /** The parameter's index in group order (as in `stateDict()`), for messages. */
  index: number;
  group: ParamGroup;
  grad: Tensor;
  /** True once `grad` is a private copy (never write into `param.grad`). */
  owned: boolean;
  /** What the optimizer's update rule declares for this group and parameter. */
  traits: UpdateTraits;
}

/** The error for a `.grad` that does not fit its parameter (see `collect`). */
function gradMisfit(param: Parameter, i: number, grad: unknown): Error {
  const what = `step: parameter ${i} (shape ${fmtShape(param.shape)})`;
  if (!isTensor(grad)) return new ArgumentError(`${what}: .grad must be a Tensor or null, got ${typeof grad}`);
  if (grad.backend !== param.backend) {
    const same = grad.backend.name === param.backend.name ? ' (another instance)' : '';
    return new BackendError(
      `${what}: .grad is on backend '${grad.backend.name}'${same}, the parameter on '${param.backend.name}'; move it with grad.to(param.backend) or recompute it`,
    );
  }
  if (grad.dtype !== 'float32') {
    return new DTypeError(`${what}: .grad has dtype ${grad.dtype}; expected float32 (convert it with .float())`);
  }
  return new ShapeError(`${what}: .grad has shape ${fmtShape(grad.shape)}; expected ${fmtShape(param.shape)}`);
}

/**
 * The parameters with a gradient, in group order, each gradient checked: a tensor on the parameter's backend
 * (a foreign handle would be looked up on the wrong backend), float32, the parameter's shape.
 */
export function collect(opt: Optimizer, groups: ParamGroup[]): Item[] {
  const items: Item[] = [];
  let index = 0;
  for (const group of groups) {
    for (const param of group.params) {
      const i = index++;
      const grad = param.grad as unknown;
      if (grad === null || grad === undefined) continue;
      if (
        !isTensor(grad) ||
        grad.isDisposed ||
        grad.backend !== param.backend ||
        grad.dtype !== 'float32' ||
        !sameShape(grad.shape, param.shape)
      ) {
        if (isTensor(grad) && grad.isDisposed) throw grad._disposedError(`step: parameter ${i}: .grad`);
        throw gradMisfit(param, i, grad);
      }
      items.push({ param, index: i, group, grad, owned: false, traits: opt._updateTraits(group, param) });
    }
  }
  return items;
}

/**
 * Gradients after the parameters' gradient constraints and the optimizer's clipValue/clipNorm (private copies,
 * held until the step ends). Returns clipNorm's total norm (finite only when every gradient is), or undefined
 * without clipNorm.
 */
export function* constrainGradients(opt: Optimizer, items: Item[], held: Held): ReadPlan<number | undefined> {
  for (const it of items) {
    const gcs = gradConstraintsOf(it.param);
    if (gcs.length === 0) continue;
    const g = held.hold(it.grad.clone());
    for (const c of gcs) {
      c.project_(g);
      if ((yield* nonFiniteIndices([g])).length === 0) continue;
      // NOTE: a non-finite input gradient is reported (or skipped) with all the others, after clipping; a
      // constraint that made a finite gradient non-finite is at fault itself.
      if ((yield* nonFiniteIndices([it.grad])).length > 0) break;
      yield* assertFinite(g, it.param, `${c} (gradient constraint)`);
    }
    it.grad = g;
    it.owned = true;
  }
  const { clipValue, clipNorm } = opt.defaults;
  if (clipValue !== undefined) {
    for (const it of items) {
      if (!it.owned) {
        it.grad = held.hold(it.grad.clone());
        it.owned = true;
      }
      clampInPlace(it.grad, -clipValue, clipValue);
    }
  }
  if (clipNorm === undefined) return undefined;
  const total = yield* totalNormPlan(
    items.map((it) => it.grad),
    2,
    held,
  );
  const coef = clipCoefficient(total, clipNorm);
  if (!(coef >= 1)) {
    for (const it of items) {
      it.grad = held.hold(it.grad.mul(coef));
      it.owned = true;
    }
  }
  return total;
}
