/** Adagrad with learning-rate decay, following torch.optim.Adagrad's documented algorithm. */
import type { Parameter } from '../nn/parameter.js';
import { fullLike } from '../tensor/creation.js';
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
import { allFinite, checkNumber } from './options.js';
import type { StateSpec } from './state-dict.js';

/** Options of `Adagrad`. */
export interface AdagradOptions extends OptimizerOptions {
  lrDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

/** `clr = lr / (1 + (t-1)·lrDecay)`, `s += g²`, `p -= clr·g / (sqrt(s) + eps)`. */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(
    params: ParamsInput<AdagradOptions> | Iterable<Parameter>,
    options?: Partial<AdagradOptions> & ClipOptions,
  ) {
    super(
      params,
      { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false },
      options,
    );
  }

  protected override validateGroup(group: ParamGroup<AdagradOptions>): void {
    super.validateGroup(group);
    checkNumber('lrDecay', 'lrDecay', group.lrDecay);
    checkNumber('initialAccumulatorValue', 'initialAccumulatorValue', group.initialAccumulatorValue);
    checkNumber('epsilon value', 'eps', group.eps);
  }

  protected override stateSpec(): StateSpec {
    return { sum: { required: true, nonNegative: true } };
  }

  protected override updateTraits(g: ParamGroup<AdagradOptions>): UpdateTraits {
    return {
      // NOTE: the denominator sqrt(s) + eps is positive when eps > 0 or the accumulator starts positive.
      finite:
        (g.eps > 0 || g.initialAccumulatorValue > 0) &&
        allFinite(g.lr, g.lrDecay, g.weightDecay, g.initialAccumulatorValue, g.eps),
      // NOTE: the rule replaces its accumulator (a new tensor assigned), never writes into it.
      writesStateInPlace: false,
      singleWrite: true,
    };
  }

  protected override update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = group;
    const step = state.step as number;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) g = g.add(param.mul(weightDecay));
    const clr = lr / (1 + (step - 1) * lrDecay);
    const sum = ((state.sum as Tensor | undefined) ?? fullLike(param, initialAccumulatorValue)).add(g.mul(g));
    state.sum = sum;
    param.copy_(param.sub(g.div(sum.sqrt().add(eps)).mul(clr)));
  }
}
