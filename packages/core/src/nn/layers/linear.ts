/**
 * `Linear`: `y = x·Wᵀ + b` with PyTorch's default initialization, W and b uniform in ±1/sqrt(inFeatures).
 * Constraints given to the constructor are registered on the parameters, so every optimizer step keeps them.
 */
import { type ConstraintLike, registerConstraint } from '../../constraints/registry/index.js';
import { ArgumentError } from '../../errors.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { linear } from '../functional/linear.js';
import { kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';

/** Options of `Linear`. */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** A constraint registered on the weight. */
  weightConstraint?: ConstraintLike;
  /** A constraint registered on the bias. */
  biasConstraint?: ConstraintLike;
  /** Draw the initial values from this generator (default: the core default generator). */
  generator?: Generator;
}

/** A fully connected layer: input `[..., inFeatures]`, output `[..., outFeatures]`, weight `[out, in]`. */
export class Linear extends Module {
  /** The weight, shape `[outFeatures, inFeatures]`. */
  weight: Parameter;
  /** The bias, shape `[outFeatures]`, or null. */
  bias: Parameter | null;

  constructor(
    /** Size of each input sample. */
    readonly inFeatures: number,
    /** Size of each output sample. */
    readonly outFeatures: number,
    options?: LinearOptions,
  ) {
    super();
    checkOptions('Linear', options, ['bias', 'weightConstraint', 'biasConstraint', 'generator']);
    checkSize('Linear', 'inFeatures', inFeatures);
    checkSize('Linear', 'outFeatures', outFeatures);
    const generator = options?.generator;
    this.weight = zeroParameter('Linear', [outFeatures, inFeatures]);
    if (options?.bias !== undefined && typeof options.bias !== 'boolean')
      throw new ArgumentError(`Linear: bias must be a boolean, got ${describe(options.bias)}`);
    this.bias = (options?.bias ?? true) ? zeroParameter('Linear', [outFeatures]) : null;
    this.registerParameter('weight', this.weight);
    this.registerParameter('bias', this.bias);
    // NOTE: kaiming_uniform with a = sqrt(5) is U(±1/sqrt(in)), PyTorch's historical default; in = 0 leaves zeros.
    if (inFeatures > 0) {
      kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
      if (this.bias) uniform_(this.bias, -1 / Math.sqrt(inFeatures), 1 / Math.sqrt(inFeatures), { generator });
    }
    if (options?.weightConstraint) registerConstraint(this.weight, options.weightConstraint);
    if (options?.biasConstraint && this.bias) registerConstraint(this.bias, options.biasConstraint);
  }

  /** `x·weightᵀ + bias`. */
  override forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
