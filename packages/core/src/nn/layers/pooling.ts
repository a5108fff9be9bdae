/**
 * Pooling layers over the functional pools: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool2d`. They hold
 * no parameters. NOTE: where PyTorch's max pools take `return_indices=True` and then return a pair, cp's
 * always return the values from `call` (so they compose in `Sequential`) and give `[values, indices]` from
 * `forwardWithIndices`.
 */
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions } from '../../tensor/validate.js';
import {
  type AvgPoolOptions,
  adaptiveAvgPool2d,
  avgPool1d,
  avgPool2d,
  type MaxPoolOptions,
  maxPool1d,
  maxPool2d,
} from '../functional/pooling.js';
import { type SizeArg, tuple } from '../functional/window-args.js';
import { Module } from '../module.js';

const MAX_KEYS = ['stride', 'padding', 'dilation', 'ceilMode'];
const AVG_KEYS = ['stride', 'padding', 'ceilMode', 'countIncludePad'];

abstract class MaxPoolBase extends Module {
  constructor(
    op: string,
    dims: number,
    /** Window size per dim. */
    readonly kernelSize: SizeArg,
    /** Stride (default: the kernel size), padding, dilation, ceilMode. */
    readonly options?: MaxPoolOptions,
  ) {
    super();
    checkOptions(op, options, MAX_KEYS);
    tuple(op, 'kernelSize', kernelSize, dims, 1);
  }
  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, options=${JSON.stringify(this.options ?? {})}`;
  }
}

/** 2-D max pooling of `[N, C, H, W]`; the stride defaults to the kernel size. */
export class MaxPool2d extends MaxPoolBase {
  constructor(kernelSize: SizeArg, options?: MaxPoolOptions) {
    super('MaxPool2d', 2, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  /** `[values, indices]` (PyTorch's `return_indices=True`); indices are int32, flat per input plane. */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return maxPool2d(x, this.kernelSize, { ...this.options, returnIndices: true });
  }
}

/** 1-D max pooling of `[N, C, L]`; the stride defaults to the kernel size. */
export class MaxPool1d extends MaxPoolBase {
  constructor(kernelSize: SizeArg, options?: MaxPoolOptions) {
    super('MaxPool1d', 1, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
  /** `[values, indices]` (PyTorch's `return_indices=True`). */
  forwardWithIndices(x: Tensor): [Tensor, Tensor] {
    return maxPool1d(x, this.kernelSize, { ...this.options, returnIndices: true });
  }
}

abstract class AvgPoolBase extends Module {
  constructor(
    op: string,
    dims: number,
    /** Window size per dim. */
    readonly kernelSize: SizeArg,
    /** Stride (default: the kernel size), padding, ceilMode, countIncludePad. */
    readonly options?: AvgPoolOptions,
  ) {
    super();
    checkOptions(op, options, AVG_KEYS);
    tuple(op, 'kernelSize', kernelSize, dims, 1);
  }
  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}, options=${JSON.stringify(this.options ?? {})}`;
  }
}

/** 2-D average pooling of `[N, C, H, W]`. */
export class AvgPool2d extends AvgPoolBase {
  constructor(kernelSize: SizeArg, options?: AvgPoolOptions) {
    super('AvgPool2d', 2, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** 1-D average pooling of `[N, C, L]`. */
export class AvgPool1d extends AvgPoolBase {
  constructor(kernelSize: SizeArg, options?: AvgPoolOptions) {
    super('AvgPool1d', 1, kernelSize, options);
  }
  override forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
}

/** Average pooling of `[N, C, H, W]` to a fixed `outputSize` (null in a dim keeps it). */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output `[outH, outW]`, or one number for both. */
    readonly outputSize: number | readonly (number | null)[],
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}
