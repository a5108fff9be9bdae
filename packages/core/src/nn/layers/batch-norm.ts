/**
 * `BatchNorm1d`, `BatchNorm2d` and `GroupNorm`, like torch.nn's. Batch norm keeps the running statistics
 * in buffers named as PyTorch's (`running_mean`, `running_var`, `num_batches_tracked`), updated in place
 * while training; eval mode normalizes with them. `num_batches_tracked` is int32 in cp (int64 in PyTorch):
 * a PyTorch state dict's I64 value is read into int32 with a range check (see io/safetensors.ts).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { ones, zeros } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { batchNorm, groupNorm } from '../functional/batch-norm.js';
import { ones_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';

/** Options of `BatchNorm1d` and `BatchNorm2d`. */
export interface BatchNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale (ones) and shift (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval also uses batch statistics. */
  trackRunningStats?: boolean;
}

/** The shared body of `BatchNorm1d` and `BatchNorm2d`. */
abstract class BatchNormBase extends Module {
  /** Added to the variance. */
  readonly eps: number;
  /** Weight of a new batch in the running statistics, or null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether the running statistics are kept. */
  readonly trackRunningStats: boolean;
  /** The per-channel scale (ones at init), or null without affine. */
  weight: Parameter | null;
  /** The per-channel shift (zeros at init), or null. */
  bias: Parameter | null;
  /** Running mean per channel (zeros at init), or null without trackRunningStats. */
  declare running_mean: Tensor | null;
  /** Running unbiased variance per channel (ones at init), or null. */
  declare running_var: Tensor | null;
  /** Number of training batches seen, an int32 scalar (int64 in PyTorch), or null. */
  declare num_batches_tracked: Tensor | null;

  protected abstract checkInput(x: Tensor): void;

  constructor(
    /** Number of channels `C` of the `[N, C, ...]` input. */
    readonly numFeatures: number,
    options?: BatchNormLayerOptions,
  ) {
    super();
    const op = new.target.name;
    checkOptions(op, options, ['eps', 'momentum', 'affine', 'trackRunningStats']);
    checkSize(op, 'numFeatures', numFeatures, 1);
    this.eps = options?.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0))
      throw new ArgumentError(`${op}: eps must be a number >= 0, got ${describe(this.eps)}`);
    this.momentum = options?.momentum === undefined ? 0.1 : options.momentum;
    if (this.momentum !== null && (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)))
      throw new ArgumentError(`${op}: momentum must be in [0, 1] or null, got ${describe(this.momentum)}`);
    const affine = options?.affine ?? true;
    this.trackRunningStats = options?.trackRunningStats ?? true;
    this.weight = affine ? ones_(zeroParameter(op, [numFeatures])) : null;
    this.bias = affine ? zeroParameter(op, [numFeatures]) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    const track = this.trackRunningStats;
    this.registerBuffer('running_mean', track ? withOp(op, () => zeros([numFeatures])) : null);
    this.registerBuffer('running_var', track ? withOp(op, () => ones([numFeatures])) : null);
    this.registerBuffer('num_batches_tracked', track ? withOp(op, () => zeros([], { dtype: 'int32' })) : null);
  }

  /** Zeroes the running mean and batch count and sets the running variance to ones. */
  resetRunningStats(): void {
    noGrad(() => {
      this.running_mean?.fill_(0);
      this.running_var?.fill_(1);
      this.num_batches_tracked?.fill_(0);
    });
  }

  override forward(x: Tensor): Tensor {
    this.checkInput(x);
    let momentum = this.momentum ?? 0;
    if (this.training && this.num_batches_tracked) {
      const counter = this.num_batches_tracked;
      noGrad(() => void counter.copy_(counter.add(1)));
      // NOTE: momentum null is PyTorch's cumulative moving average: the n-th batch weighs 1/n (one host read).
      if (this.momentum === null) momentum = 1 / counter.item();
    }
    const useBatchStats = this.training || !this.running_mean;
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.running_mean : null, track ? this.running_var : null, this.weight, this.bias, {
      training: useBatchStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalization of `[N, C]` or `[N, C, L]` inputs (like `torch.nn.BatchNorm1d`). */
export class BatchNorm1d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new ShapeError(`BatchNorm1d: expected a 2D or 3D input [N, C(, L)], got ${fmtShape(x.shape)}`);
  }
}

/** Batch normalization of `[N, C, H, W]` inputs (like `torch.nn.BatchNorm2d`). */
export class BatchNorm2d extends BatchNormBase {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`BatchNorm2d: expected a 4D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  }
}

/** Options of `GroupNorm`. */
export interface GroupNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale (ones) and shift (zeros) (default true). */
  affine?: boolean;
}

/** Group normalization (Wu & He) of `[N, C, ...]` inputs (like `torch.nn.GroupNorm`). */
export class GroupNorm extends Module {
  /** Added to the variance. */
  readonly eps: number;
  /** The per-channel scale (ones at init), or null. */
  weight: Parameter | null;
  /** The per-channel shift (zeros at init), or null. */
  bias: Parameter | null;

  constructor(
    /** Number of groups the channels are split into. */
    readonly numGroups: number,
    /** Number of channels `C`; a multiple of numGroups. */
    readonly numChannels: number,
    options?: GroupNormLayerOptions,
  ) {
    super();
    checkOptions('GroupNorm', options, ['eps', 'affine']);
    checkSize('GroupNorm', 'numGroups', numGroups, 1);
    checkSize('GroupNorm', 'numChannels', numChannels, 1);
    if (numChannels % numGroups !== 0)
      throw new ArgumentError(`GroupNorm: numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    this.eps = options?.eps ?? 1e-5;
    const affine = options?.affine ?? true;
    this.weight = affine ? ones_(zeroParameter('GroupNorm', [numChannels])) : null;
    this.bias = affine ? zeroParameter('GroupNorm', [numChannels]) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  override forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`;
  }
}
