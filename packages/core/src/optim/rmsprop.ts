/** RMSprop (with momentum and the centered variant), following torch.optim.RMSprop's documented algorithm. */
import type { Parameter } from '../nn/parameter.js';
import { zerosLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  type ClipOptions,
  Optimizer,
  type OptimizerOptions,
  type ParamGroup,
  type ParamState,
  type ParamsInput,
  type UpdateTraits,
} from './optimizer.js';
import { allFinite, checkBoolean, checkNumber } from './options.js';
import type { StateSpec } from './state-dict.js';

/** Options of `RMSprop`. */
export interface RMSpropOptions extends OptimizerOptions {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
}

/**
 * `v = α·v + (1-α)·g²`; centered: `ḡ = α·ḡ + (1-α)·g`, `d = sqrt(v - ḡ²) + eps`, else `d = sqrt(v) + eps`;
 * with momentum `b = μ·b + g/d`, `p -= lr·b`, else `p -= lr·g/d`.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(
    params: ParamsInput<RMSpropOptions> | Iterable<Parameter>,
    options?: Partial<RMSpropOptions> & ClipOptions,
  ) {
    super(
      params,
      { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false },
      options,
    );
  }

  protected override validateGroup(group: ParamGroup<RMSpropOptions>): void {
    super.validateGroup(group);
    checkNumber('alpha value', 'alpha', group.alpha);
    checkNumber('momentum', 'momentum', group.momentum);
    checkNumber('epsilon value', 'eps', group.eps);
    checkBoolean('centered', group.centered);
  }

  protected override stateSpec(group: ParamGroup<RMSpropOptions>): StateSpec {
    // NOTE: alpha > 1 is allowed (PyTorch allows it) and can drive squareAvg negative, so only then is it unchecked.
    return {
      squareAvg: { required: true, nonNegative: group.alpha <= 1 },
      gradAvg: { required: group.centered === true },
      momentumBuffer: { required: false },
    };
  }

  protected override updateTraits(g: ParamGroup<RMSpropOptions>): UpdateTraits {
    return {
      // NOTE: centered takes sqrt(v - ḡ²), which rounding can make sqrt of a tiny negative (NaN) with finite
      // inputs, and alpha > 1 can make v negative: those groups have their results read back.
      finite: !g.centered && g.eps > 0 && g.alpha <= 1 && allFinite(g.lr, g.alpha, g.eps, g.weightDecay, g.momentum),
      // NOTE: the rule replaces its state tensors (new tensors assigned), never writes into them.
      writesStateInPlace: false,
      singleWrite: true,
    };
  }

  protected override update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) g = g.add(param.mul(weightDecay));
    const sq = ((state.squareAvg as Tensor | undefined) ?? zerosLike(param)).mul(alpha).add(g.mul(g).mul(1 - alpha));
    state.squareAvg = sq;
    let avg: Tensor;
    if (centered) {
      const ga = ((state.gradAvg as Tensor | undefined) ?? zerosLike(param)).mul(alpha).add(g.mul(1 - alpha));
      state.gradAvg = ga;
      avg = sq.sub(ga.mul(ga)).sqrt().add(eps);
    } else {
      avg = sq.sqrt().add(eps);
    }
    if (momentum > 0) {
      const buf = ((state.momentumBuffer as Tensor | undefined) ?? zerosLike(param)).mul(momentum).add(g.div(avg));
      state.momentumBuffer = buf;
      param.copy_(param.sub(buf.mul(lr)));
    } else {
      param.copy_(param.sub(g.div(avg).mul(lr)));
    }
  }
}
