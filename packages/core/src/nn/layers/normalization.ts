/** `LayerNorm`: normalizes over the trailing `normalizedShape` dims, with a learned scale (ones) and shift (zeros). */
import { ArgumentError, fmtShape } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { layerNorm } from '../functional/normalization.js';
import { ones_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';

/** Options of `LayerNorm`. */
export interface LayerNormLayerOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-element scale and shift (default true). */
  elementwiseAffine?: boolean;
  /** Learn the shift when affine (default true). */
  bias?: boolean;
}

/** Layer normalization (Ba et al.), like `torch.nn.LayerNorm`. */
export class LayerNorm extends Module {
  /** The trailing shape normalized over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance. */
  readonly eps: number;
  /** The scale (ones at init), or null without elementwise affine. */
  weight: Parameter | null;
  /** The shift (zeros at init), or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options?: LayerNormLayerOptions) {
    super();
    checkOptions('LayerNorm', options, ['eps', 'elementwiseAffine', 'bias']);
    if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape))
      throw new ArgumentError(
        `LayerNorm: normalizedShape must be an integer or a list of them, got ${describe(normalizedShape)}`,
      );
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (this.normalizedShape.length === 0)
      throw new ArgumentError('LayerNorm: normalizedShape must have at least one dim');
    for (const d of this.normalizedShape) checkSize('LayerNorm', 'every normalizedShape entry', d, 1);
    this.eps = options?.eps ?? 1e-5;
    if (!(this.eps >= 0)) throw new ArgumentError(`LayerNorm: eps must be >= 0, got ${this.eps}`);
    const affine = options?.elementwiseAffine ?? true;
    this.weight = affine ? ones_(zeroParameter('LayerNorm', this.normalizedShape)) : null;
    this.bias = affine && (options?.bias ?? true) ? zeroParameter('LayerNorm', this.normalizedShape) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  override extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}, elementwiseAffine=${this.weight !== null}`;
  }
}
