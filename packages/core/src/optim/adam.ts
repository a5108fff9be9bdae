/**
 * Adam (with amsgrad) and AdamW, following torch.optim.Adam/AdamW's documented algorithms: Adam adds
 * `wd·p` to the gradient (coupled), AdamW scales `p *= 1 - lr·wd` first (decoupled). Uses the fused
 * `adamUpdate` kernel when the backend has it.
 */
import type { Parameter } from '../nn/parameter.js';
import { maximum } from '../ops/elementwise.js';
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
import { allFinite, checkBetas, checkBoolean, checkNumber } from './options.js';
import type { StateSpec } from './state-dict.js';

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions extends OptimizerOptions {
  betas: [number, number];
  eps: number;
  amsgrad: boolean;
}

/** Adam: `m = β1·m + (1-β1)·g`, `v = β2·v + (1-β2)·g²`, `p -= lr·m̂ / (sqrt(v̂) + eps)` (bias-corrected). */
export class Adam extends Optimizer<AdamOptions> {
  /** True for AdamW's decoupled weight decay. */
  protected readonly decoupled: boolean = false;

  constructor(params: ParamsInput<AdamOptions> | Iterable<Parameter>, options?: Partial<AdamOptions> & ClipOptions) {
    super(
      params,
      { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false },
      options,
    );
  }

  protected override validateGroup(group: ParamGroup<AdamOptions>): void {
    super.validateGroup(group);
    checkBetas(group.betas);
    checkNumber('epsilon value', 'eps', group.eps);
    checkBoolean('amsgrad', group.amsgrad);
  }

  protected override stateSpec(group: ParamGroup<AdamOptions>): StateSpec {
    return {
      expAvg: { required: true },
      expAvgSq: { required: true, nonNegative: true },
      // NOTE: optional without amsgrad (a run may turn it off); never below expAvgSq (it is its running max).
      maxExpAvgSq: { required: group.amsgrad === true, nonNegative: true, atLeast: 'expAvgSq' },
    };
  }

  protected override updateTraits(g: ParamGroup<AdamOptions>, param: Tensor): UpdateTraits {
    return {
      // NOTE: the denominator sqrt(v̂) + eps is >= eps, so it needs eps > 0 (with eps = 0 a zero gradient gives 0/0).
      finite: g.eps > 0 && allFinite(g.lr, g.eps, g.weightDecay, g.betas[0], g.betas[1]),
      // NOTE: the fused kernel writes the moments in place; core ops replace them.
      writesStateInPlace: this.fused(param, 'adamUpdate') !== null,
      singleWrite: true,
    };
  }

  protected override update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    const step = state.step as number;
    state.expAvg ??= zerosLike(param);
    state.expAvgSq ??= zerosLike(param);
    if (amsgrad) state.maxExpAvgSq ??= zerosLike(param);
    const expAvg = state.expAvg as Tensor;
    const expAvgSq = state.expAvgSq as Tensor;
    const fused = this.fused(param, 'adamUpdate');
    if (fused) {
      fused({
        param: param.storage.handle,
        grad: grad.storage.handle,
        expAvg: expAvg.storage.handle,
        expAvgSq: expAvgSq.storage.handle,
        maxExpAvgSq: amsgrad ? (state.maxExpAvgSq as Tensor).storage.handle : null,
        n: param.size,
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        decoupled: this.decoupled,
        step,
        maximize,
      });
      return;
    }
    let g = maximize ? grad.neg() : grad;
    let p = param;
    if (weightDecay !== 0) {
      if (this.decoupled) p = p.mul(1 - lr * weightDecay);
      else g = g.add(p.mul(weightDecay));
    }
    const m = expAvg.mul(beta1).add(g.mul(1 - beta1));
    const v = expAvgSq.mul(beta2).add(g.mul(g).mul(1 - beta2));
    let vUse = v;
    if (amsgrad) {
      vUse = maximum(state.maxExpAvgSq as Tensor, v);
      state.maxExpAvgSq = vUse;
    }
    const bc1 = 1 - beta1 ** step;
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const denom = vUse.sqrt().div(bc2Sqrt).add(eps);
    param.copy_(p.sub(m.div(denom).mul(lr / bc1)));
    state.expAvg = m;
    state.expAvgSq = v;
  }
}

/** AdamW: Adam with decoupled weight decay `p *= 1 - lr·wd` (default weightDecay 0.01). */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: ParamsInput<AdamOptions> | Iterable<Parameter>, options?: Partial<AdamOptions> & ClipOptions) {
    super(params, { weightDecay: 0.01, ...options });
  }
}
