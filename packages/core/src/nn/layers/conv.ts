/**
 * Convolution layers with PyTorch's weight layouts, state-dict keys (`weight`, `bias`) and initialization:
 * `Conv1d` and `Conv2d` (weight `[out, in/groups, ...kernel]`) and `ConvTranspose2d` (weight `[in,
 * out/groups, kH, kW]`). The weight is kaiming-uniform with a = sqrt(5), the bias U(±1/sqrt(fanIn)) with
 * fanIn = `weight.shape[1]` times the kernel size, as PyTorch's `_ConvNd.reset_parameters`.
 */
import { type ConstraintLike, registerConstraint } from '../../constraints/registry/index.js';
import { ArgumentError } from '../../errors.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { type ConvOptions, conv1d, conv2d, convTranspose2d } from '../functional/conv.js';
import { pad } from '../functional/pad.js';
import { type SizeArg, tuple } from '../functional/window-args.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';

/** Options of `Conv1d` and `Conv2d`. */
export interface ConvLayerOptions {
  /** Step of the window per dim (default 1). */
  stride?: SizeArg;
  /** Zero padding per dim, `'same'` or `'valid'` (default 0). */
  padding?: SizeArg | 'same' | 'valid';
  /** Spacing between kernel taps per dim (default 1). */
  dilation?: SizeArg;
  /** Independent channel groups; both channel counts must divide by it (default 1). */
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** How the padding is filled (default 'zeros'); 'reflect' and 'replicate' pad with `F.pad` first, as PyTorch's `padding_mode`. */
  paddingMode?: 'zeros' | 'reflect' | 'replicate';
  /** A constraint registered on the weight (e.g. `maxNorm(c, { dim: [1, 2, 3] })` per filter). */
  weightConstraint?: ConstraintLike;
  /** A constraint registered on the bias. */
  biasConstraint?: ConstraintLike;
  /** Draw the initial values from this generator (default: the core default generator). */
  generator?: Generator;
}

/** Options of `ConvTranspose2d`. */
export interface ConvTransposeLayerOptions extends Omit<ConvLayerOptions, 'padding' | 'paddingMode'> {
  /** Trimmed from both sides of the output per dim (default 0). */
  padding?: SizeArg;
  /** Extra size on one side of the output per dim (default 0). */
  outputPadding?: SizeArg;
}

const LAYER_KEYS = [
  'stride',
  'padding',
  'dilation',
  'groups',
  'bias',
  'weightConstraint',
  'biasConstraint',
  'generator',
];
const CONV_KEYS = [...LAYER_KEYS, 'paddingMode'];

/**
 * The input and conv options of a layer: with a `paddingMode` other than 'zeros', x padded by `F.pad` (the
 * padding per dim, or the 'same' split) and a conv without padding, as PyTorch does it.
 */
function padded(
  op: string,
  x: Tensor,
  o: ConvLayerOptions | undefined,
  kernel: number[],
  groups: number,
): [Tensor, ConvOptions] {
  const conv: ConvOptions = { stride: o?.stride, padding: o?.padding, dilation: o?.dilation, groups };
  const mode = o?.paddingMode ?? 'zeros';
  const padding = o?.padding ?? 0;
  if (mode === 'zeros' || padding === 'valid') return [x, conv];
  const dims = kernel.length;
  const dilation = tuple(op, 'dilation', o?.dilation ?? 1, dims, 1);
  const pairs =
    padding === 'same'
      ? kernel.map((k, i) => {
          const total = dilation[i] * (k - 1);
          return [Math.floor(total / 2), total - Math.floor(total / 2)];
        })
      : tuple(op, 'padding', padding, dims, 0).map((p) => [p, p]);
  // F.pad lists the pairs from the last dim backwards.
  return [pad(x, pairs.reverse().flat(), { mode }), { ...conv, padding: 0 }];
}

/** The parameters and settings every convolution layer shares. */
abstract class ConvBase extends Module {
  /** The weight (layout per layer). */
  weight: Parameter;
  /** The bias `[outChannels]`, or null. */
  bias: Parameter | null;
  /** Kernel size per spatial dim. */
  readonly kernelSize: number[];
  /** Channel groups. */
  readonly groups: number;

  constructor(
    op: string,
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: SizeArg,
    dims: number,
    transposed: boolean,
    options: ConvLayerOptions | ConvTransposeLayerOptions | undefined,
  ) {
    super();
    checkOptions(op, options, transposed ? [...LAYER_KEYS, 'outputPadding'] : CONV_KEYS);
    const mode = (options as ConvLayerOptions | undefined)?.paddingMode;
    if (mode !== undefined && mode !== 'zeros' && mode !== 'reflect' && mode !== 'replicate')
      throw new ArgumentError(`${op}: paddingMode must be 'zeros', 'reflect' or 'replicate', got ${describe(mode)}`);
    checkSize(op, 'inChannels', inChannels, 1);
    checkSize(op, 'outChannels', outChannels, 1);
    this.kernelSize = tuple(op, 'kernelSize', kernelSize, dims, 1);
    const groups = options?.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new ArgumentError(
        `${op}: groups must be a positive integer dividing inChannels (${inChannels}) and outChannels (${outChannels}), got ${describe(groups)}`,
      );
    }
    this.groups = groups;
    if (options?.bias !== undefined && typeof options.bias !== 'boolean')
      throw new ArgumentError(`${op}: bias must be a boolean, got ${describe(options.bias)}`);
    const shape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = zeroParameter(op, shape);
    this.bias = (options?.bias ?? true) ? zeroParameter(op, [outChannels]) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    const generator = options?.generator;
    const fanIn = shape[1] * this.kernelSize.reduce((a, b) => a * b, 1);
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    if (this.bias) uniform_(this.bias, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn), { generator });
    if (options?.weightConstraint) registerConstraint(this.weight, options.weightConstraint);
    if (options?.biasConstraint && this.bias) registerConstraint(this.bias, options.biasConstraint);
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], groups=${this.groups}, bias=${this.bias !== null}`;
  }
}

/** 2-D convolution: input `[N, inChannels, H, W]`, weight `[outChannels, inChannels/groups, kH, kW]`. */
export class Conv2d extends ConvBase {
  readonly #options: ConvLayerOptions | undefined;
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvLayerOptions) {
    super('Conv2d', inChannels, outChannels, kernelSize, 2, false, options);
    this.#options = options;
  }
  override forward(x: Tensor): Tensor {
    const [input, options] = padded('Conv2d', x, this.#options, this.kernelSize, this.groups);
    return conv2d(input, this.weight, this.bias, options);
  }
}

/** 1-D convolution: input `[N, inChannels, L]`, weight `[outChannels, inChannels/groups, k]`. */
export class Conv1d extends ConvBase {
  readonly #options: ConvLayerOptions | undefined;
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvLayerOptions) {
    super('Conv1d', inChannels, outChannels, kernelSize, 1, false, options);
    this.#options = options;
  }
  override forward(x: Tensor): Tensor {
    const [input, options] = padded('Conv1d', x, this.#options, this.kernelSize, this.groups);
    return conv1d(input, this.weight, this.bias, options);
  }
}

/** Transposed 2-D convolution: input `[N, inChannels, H, W]`, weight `[inChannels, outChannels/groups, kH, kW]`. */
export class ConvTranspose2d extends ConvBase {
  readonly #options: ConvTransposeLayerOptions | undefined;
  constructor(inChannels: number, outChannels: number, kernelSize: SizeArg, options?: ConvTransposeLayerOptions) {
    super('ConvTranspose2d', inChannels, outChannels, kernelSize, 2, true, options);
    this.#options = options;
  }
  override forward(x: Tensor): Tensor {
    const o = this.#options;
    return convTranspose2d(x, this.weight, this.bias, {
      stride: o?.stride,
      padding: o?.padding,
      outputPadding: o?.outputPadding,
      dilation: o?.dilation,
      groups: this.groups,
    });
  }
}
