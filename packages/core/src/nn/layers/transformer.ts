/**
 * `TransformerEncoderLayer`, like torch.nn's: self-attention then a feed-forward block, each with a residual
 * connection and LayerNorm, after the block (post-norm, the default) or before it (`normFirst`). Submodules
 * carry PyTorch's names (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2), so a
 * PyTorch state dict loads as is.
 */
import { ArgumentError } from '../../errors.js';
import { gelu, relu } from '../../ops/activation.js';
import { add } from '../../ops/elementwise.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { Module } from '../module.js';
import { MultiheadAttention } from './attention.js';
import { checkSize } from './common.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { LayerNorm } from './normalization.js';

/** Options of `TransformerEncoderLayer`. */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout in attention, after it, and in and after the feed-forward block (default 0.1). */
  dropout?: number;
  /** The feed-forward activation: 'relu' (default), 'gelu' or a function. */
  activation?: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  /** LayerNorm's eps (default 1e-5). */
  layerNormEps?: number;
  /** Input and output are `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** LayerNorm before each block instead of after the residual (default false). */
  normFirst?: boolean;
  /** Biases in the linear layers and attention (default true). */
  bias?: boolean;
  /** Draw the initial values and dropout masks from this generator. */
  generator?: Generator;
}

/** Options of `TransformerEncoderLayer.call`. */
export interface TransformerEncoderLayerCallOptions {
  /** Attention mask `[L, L]` or `[N·nhead, L, L]` (bool true = forbidden, or float added). */
  srcMask?: Tensor | null;
  /** `[N, L]`: bool true marks a padded position. */
  srcKeyPaddingMask?: Tensor | null;
  /** Causal self-attention (instead of srcMask). */
  isCausal?: boolean;
}

/** One transformer encoder block (Vaswani et al.). */
export class TransformerEncoderLayer extends Module<[Tensor, TransformerEncoderLayerCallOptions?], Tensor> {
  /** The self-attention. */
  self_attn: MultiheadAttention;
  /** Feed-forward input projection `[dimFeedforward, dModel]`. */
  linear1: Linear;
  /** Dropout inside the feed-forward block. */
  dropout: Dropout;
  /** Feed-forward output projection `[dModel, dimFeedforward]`. */
  linear2: Linear;
  /** Pre-norm: `normFirst`. */
  readonly normFirst: boolean;
  /** The norm of the attention block. */
  norm1: LayerNorm;
  /** The norm of the feed-forward block. */
  norm2: LayerNorm;
  /** Dropout after the attention. */
  dropout1: Dropout;
  /** Dropout after the feed-forward block. */
  dropout2: Dropout;
  /** The feed-forward activation. */
  readonly activation: (x: Tensor) => Tensor;

  constructor(dModel: number, nhead: number, options?: TransformerEncoderLayerOptions) {
    super();
    const op = 'TransformerEncoderLayer';
    checkOptions(op, options, [
      'dimFeedforward',
      'dropout',
      'activation',
      'layerNormEps',
      'batchFirst',
      'normFirst',
      'bias',
      'generator',
    ]);
    const ff = options?.dimFeedforward ?? 2048;
    checkSize(op, 'dimFeedforward', ff, 1);
    const p = options?.dropout ?? 0.1;
    const bias = options?.bias ?? true;
    const generator = options?.generator;
    const act = options?.activation ?? 'relu';
    if (act === 'relu') this.activation = relu;
    else if (act === 'gelu') this.activation = (x) => gelu(x);
    else if (typeof act === 'function') this.activation = act;
    else throw new ArgumentError(`${op}: activation must be 'relu', 'gelu' or a function, got ${describe(act)}`);
    const eps = options?.layerNormEps ?? 1e-5;
    this.self_attn = new MultiheadAttention(dModel, nhead, {
      dropout: p,
      batchFirst: options?.batchFirst ?? false,
      bias,
      generator,
    });
    this.linear1 = new Linear(dModel, ff, { bias, generator });
    this.dropout = new Dropout(p, { generator });
    this.linear2 = new Linear(ff, dModel, { bias, generator });
    this.normFirst = options?.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, bias });
    this.norm2 = new LayerNorm(dModel, { eps, bias });
    this.dropout1 = new Dropout(p, { generator });
    this.dropout2 = new Dropout(p, { generator });
  }

  #attention(x: Tensor, options: TransformerEncoderLayerCallOptions | undefined): Tensor {
    const [out] = this.self_attn.call(x, x, x, {
      attnMask: options?.srcMask,
      keyPaddingMask: options?.srcKeyPaddingMask,
      isCausal: options?.isCausal,
      needWeights: false,
    });
    return this.dropout1.call(out);
  }

  #feedForward(x: Tensor): Tensor {
    return this.dropout2.call(this.linear2.call(this.dropout.call(this.activation(this.linear1.call(x)))));
  }

  /** The encoded `src` (`[L, N, E]`, or `[N, L, E]` with batchFirst). */
  override forward(src: Tensor, options?: TransformerEncoderLayerCallOptions): Tensor {
    checkOptions('TransformerEncoderLayer', options, ['srcMask', 'srcKeyPaddingMask', 'isCausal']);
    if (this.normFirst) {
      const x = add(src, this.#attention(this.norm1.call(src), options));
      return add(x, this.#feedForward(this.norm2.call(x)));
    }
    const x = this.norm1.call(add(src, this.#attention(src, options)));
    return this.norm2.call(add(x, this.#feedForward(x)));
  }
}
