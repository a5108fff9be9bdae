/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and coupled weight decay,
 * following torch.optim.SGD's documented algorithm. Uses the fused `sgdUpdate` kernel when the backend has it.
 */
import { ArgumentError } from '../errors.js';
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

/** Options of `SGD`. */
export interface SGDOptions extends OptimizerOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * `g = grad + wd·p`; with momentum `b = (first ? g : μ·b + (1 - dampening)·g)`, `g = nesterov ? g + μ·b : b`;
 * `p -= lr·g` (torch.optim.SGD).
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions> | Iterable<Parameter>, options?: Partial<SGDOptions> & ClipOptions) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false }, options);
  }

  protected override validateGroup(group: ParamGroup<SGDOptions>): void {
    super.validateGroup(group);
    checkNumber('momentum', 'momentum', group.momentum);
    // NOTE: PyTorch does not range-check dampening; any finite value is a well-defined (if odd) rule.
    checkNumber('dampening', 'dampening', group.dampening, {});
    checkBoolean('nesterov', group.nesterov);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new ArgumentError('Nesterov momentum requires a momentum > 0 and zero dampening');
    }
  }

  protected override stateSpec(): StateSpec {
    // NOTE: absent until the first step with momentum != 0 (PyTorch's None buffer).
    return { momentumBuffer: { required: false } };
  }

  protected override updateTraits(g: ParamGroup<SGDOptions>, param: Tensor): UpdateTraits {
    return {
      // NOTE: only multiplications and additions of finite numbers: non-finite only by overflow.
      finite: allFinite(g.lr, g.momentum, g.dampening, g.weightDecay),
      // NOTE: the fused kernel writes the momentum buffer in place; core ops replace it.
      writesStateInPlace: this.fused(param, 'sgdUpdate') !== null,
      singleWrite: true,
    };
  }

  protected override update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    const first = state.momentumBuffer === undefined;
    const fused = this.fused(param, 'sgdUpdate');
    if (fused) {
      if (momentum !== 0 && first) state.momentumBuffer = zerosLike(param);
      const buf = momentum !== 0 ? (state.momentumBuffer as Tensor) : null;
      fused({
        param: param.storage.handle,
        grad: grad.storage.handle,
        momentumBuf: buf ? buf.storage.handle : null,
        n: param.size,
        lr,
        momentum,
        dampening,
        nesterov,
        weightDecay,
        firstStep: first,
        maximize,
      });
      return;
    }
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) g = g.add(param.mul(weightDecay));
    if (momentum !== 0) {
      const buf = first ? g.clone() : (state.momentumBuffer as Tensor).mul(momentum).add(g.mul(1 - dampening));
      state.momentumBuffer = buf;
      g = nesterov ? g.add(buf.mul(momentum)) : buf;
    }
    param.copy_(param.sub(g.mul(lr)));
  }
}
