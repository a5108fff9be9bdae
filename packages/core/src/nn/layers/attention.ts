/**
 * `MultiheadAttention`, like `torch.nn.MultiheadAttention`: PyTorch's parameters (`in_proj_weight` `[3E, E]`
 * and `in_proj_bias` `[3E]`, or `q/k/v_proj_weight` when kdim/vdim differ; `out_proj`), init (xavier-uniform
 * projections, zero biases), layouts (`[L, N, E]`, or `[N, L, E]` with batchFirst, or unbatched `[L, E]`)
 * and mask conventions (a bool mask is true where attention is **not** allowed; a float mask is added).
 */
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { matmul } from '../../ops/linalg.js';
import { narrow, permute, reshape, squeeze, transpose, unsqueeze } from '../../ops/movement.js';
import { mean } from '../../ops/reduce.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';
import { applyMask, attentionWeights, causalAllowed } from '../functional/attention.js';
import { linear } from '../functional/linear.js';
import { xavierUniform_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';
import { Linear } from './linear.js';

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions {
  /** Learn `in_proj_bias` and `out_proj.bias` (default true). */
  bias?: boolean;
  /** Inputs and output are `[N, L, E]` instead of `[L, N, E]` (default false). */
  batchFirst?: boolean;
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Features of the key (default embedDim); if kdim or vdim differ, q/k/v get separate projection weights. */
  kdim?: number;
  /** Features of the value (default embedDim). */
  vdim?: number;
  /** Draw the initial values and dropout masks from this generator (default: the core default generator). */
  generator?: Generator;
}

/** Options of `MultiheadAttention.call`. */
export interface MultiheadAttentionCallOptions {
  /** `[N, S]` (or `[S]` unbatched): bool true marks a padded key to ignore; a float mask is added. */
  keyPaddingMask?: Tensor | null;
  /** `[L, S]` or `[N·numHeads, L, S]`: bool true marks a forbidden pair; a float mask is added. */
  attnMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** Average the returned weights over heads to `[N, L, S]` (default true); else `[N, numHeads, L, S]`. */
  averageAttnWeights?: boolean;
  /** Query i attends to keys j <= i only (instead of an attnMask). */
  isCausal?: boolean;
}

const OP = 'MultiheadAttention';

function checkMask(name: string, m: Tensor | null | undefined, shapes: number[][]): Tensor | null {
  if (m === null || m === undefined) return null;
  checkTensor(OP, m, name);
  if (m.dtype !== 'bool' && m.dtype !== 'float32')
    throw new ArgumentError(`${OP}: ${name} must be bool or float32, got ${m.dtype}`);
  if (!shapes.some((s) => s.length === m.ndim && s.every((d, i) => d === m.shape[i])))
    throw new ShapeError(
      `${OP}: ${name} must have shape ${shapes.map((s) => fmtShape(s)).join(' or ')}, got ${fmtShape(m.shape)}`,
    );
  return m;
}

/** Attention with `numHeads` heads over a query, key and value; `call` returns `[output, weights | null]`. */
export class MultiheadAttention extends Module<
  [Tensor, Tensor, Tensor, MultiheadAttentionCallOptions?],
  [Tensor, Tensor | null]
> {
  /** Features of the key. */
  readonly kdim: number;
  /** Features of the value. */
  readonly vdim: number;
  /** Whether input and output are batch-major. */
  readonly batchFirst: boolean;
  /** Dropout probability on the attention weights. */
  readonly dropout: number;
  /** Features per head: embedDim / numHeads. */
  readonly headDim: number;
  /** The packed q, k, v projection `[3E, E]` (null when kdim or vdim differ from embedDim). */
  in_proj_weight: Parameter | null = null;
  /** The query projection `[E, E]` when kdim or vdim differ, else null. */
  q_proj_weight: Parameter | null;
  /** The key projection `[E, kdim]` when kdim or vdim differ, else null. */
  k_proj_weight: Parameter | null;
  /** The value projection `[E, vdim]` when kdim or vdim differ, else null. */
  v_proj_weight: Parameter | null;
  /** The packed q, k, v bias `[3E]` (zeros at init), or null. */
  in_proj_bias: Parameter | null;
  /** The output projection. */
  out_proj: Linear;
  readonly #generator: Generator | undefined;

  constructor(
    /** Features of the query and the output. */
    readonly embedDim: number,
    /** Number of heads; must divide embedDim. */
    readonly numHeads: number,
    options?: MultiheadAttentionOptions,
  ) {
    super();
    checkOptions(OP, options, ['bias', 'batchFirst', 'dropout', 'kdim', 'vdim', 'generator']);
    checkSize(OP, 'embedDim', embedDim, 1);
    checkSize(OP, 'numHeads', numHeads, 1);
    if (embedDim % numHeads !== 0)
      throw new ArgumentError(`${OP}: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.kdim = options?.kdim ?? embedDim;
    this.vdim = options?.vdim ?? embedDim;
    checkSize(OP, 'kdim', this.kdim, 1);
    checkSize(OP, 'vdim', this.vdim, 1);
    this.batchFirst = options?.batchFirst ?? false;
    this.dropout = options?.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1))
      throw new ArgumentError(`${OP}: dropout must be in [0, 1], got ${describe(this.dropout)}`);
    const bias = options?.bias ?? true;
    const generator = options?.generator;
    this.#generator = generator;
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    const make = (shape: number[]): Parameter => xavierUniform_(zeroParameter(OP, shape), 1, { generator });
    // NOTE: registered in PyTorch's order, so the state dict lists the keys as PyTorch's does.
    if (packed) {
      this.in_proj_weight = make([3 * embedDim, embedDim]);
      this.registerParameter('in_proj_weight', this.in_proj_weight);
    }
    this.q_proj_weight = packed ? null : make([embedDim, embedDim]);
    this.k_proj_weight = packed ? null : make([embedDim, this.kdim]);
    this.v_proj_weight = packed ? null : make([embedDim, this.vdim]);
    this.registerParameter('q_proj_weight', this.q_proj_weight);
    this.registerParameter('k_proj_weight', this.k_proj_weight);
    this.registerParameter('v_proj_weight', this.v_proj_weight);
    if (!packed) this.registerParameter('in_proj_weight', null);
    this.in_proj_bias = bias ? zeroParameter(OP, [3 * embedDim]) : null;
    this.registerParameter('in_proj_bias', this.in_proj_bias);
    this.out_proj = new Linear(embedDim, embedDim, { bias, generator });
    if (this.out_proj.bias) zeros_(this.out_proj.bias);
    this.registerModule('out_proj', this.out_proj);
  }

  /** The projection of input `which` (0 query, 1 key, 2 value): weight and bias. */
  #projection(which: number): [Tensor, Tensor | null] {
    const e = this.embedDim;
    const w = this.in_proj_weight
      ? narrow(this.in_proj_weight, 0, which * e, e)
      : ([this.q_proj_weight, this.k_proj_weight, this.v_proj_weight][which] as Tensor);
    return [w, this.in_proj_bias ? narrow(this.in_proj_bias, 0, which * e, e) : null];
  }

  /** `[T, N, E]` projected to heads `[N, numHeads, T, headDim]`. */
  #heads(x: Tensor, which: number): Tensor {
    const [t, n] = x.shape;
    const [w, b] = this.#projection(which);
    const p = reshape(linear(x, w, b), [t, n * this.numHeads, this.headDim]);
    return reshape(transpose(p, 0, 1), [n, this.numHeads, t, this.headDim]);
  }

  /** `[output, weights | null]` for `query` `[L, N, E]`, `key` `[S, N, kdim]`, `value` `[S, N, vdim]` (see options). */
  override forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options?: MultiheadAttentionCallOptions,
  ): [Tensor, Tensor | null] {
    checkOptions(OP, options, ['keyPaddingMask', 'attnMask', 'needWeights', 'averageAttnWeights', 'isCausal']);
    checkTensor(OP, query, 'query');
    checkTensor(OP, key, 'key');
    checkTensor(OP, value, 'value');
    const unbatched = query.ndim === 2;
    if ((query.ndim !== 2 && query.ndim !== 3) || key.ndim !== query.ndim || value.ndim !== query.ndim)
      throw new ShapeError(
        `${OP}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`,
      );
    const layout = (x: Tensor): Tensor => (unbatched ? unsqueeze(x, 1) : this.batchFirst ? transpose(x, 0, 1) : x);
    const [q, k, v] = [layout(query), layout(key), layout(value)];
    const [l, n] = q.shape;
    const s = k.shape[0];
    if (q.shape[2] !== this.embedDim || k.shape[2] !== this.kdim || v.shape[2] !== this.vdim)
      throw new ShapeError(
        `${OP}: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have ${this.embedDim}, ${this.kdim} and ${this.vdim} features`,
      );
    if (k.shape[1] !== n || v.shape[0] !== s || v.shape[1] !== n)
      throw new ShapeError(
        `${OP}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must share the source length and batch of query ${fmtShape(query.shape)}`,
      );
    let padding = checkMask('keyPaddingMask', options?.keyPaddingMask, unbatched ? [[s]] : [[n, s]]);
    let attnMask = checkMask('attnMask', options?.attnMask, [
      [l, s],
      [n * this.numHeads, l, s],
    ]);
    const isCausal = options?.isCausal ?? false;
    if (typeof isCausal !== 'boolean')
      throw new ArgumentError(`${OP}: isCausal must be a boolean, got ${describe(isCausal)}`);
    if (isCausal && attnMask) throw new ArgumentError(`${OP}: give either attnMask or isCausal, not both`);
    if (padding) padding = reshape(padding, [n, 1, 1, s]);
    if (attnMask?.ndim === 3) attnMask = reshape(attnMask, [n, this.numHeads, l, s]);
    const allowed = isCausal ? causalAllowed(l, s, q) : null;
    const mask = (scores: Tensor): Tensor => {
      if (attnMask) scores = applyMask(scores, attnMask, false);
      if (allowed) scores = applyMask(scores, allowed, true);
      return padding ? applyMask(scores, padding, false) : scores;
    };
    const p = this.training ? this.dropout : 0;
    const weights = attentionWeights(
      this.#heads(q, 0),
      this.#heads(k, 1),
      1 / Math.sqrt(this.headDim),
      mask,
      p,
      this.#generator,
    );
    const heads = matmul(weights, this.#heads(v, 2));
    const merged = reshape(permute(heads, [2, 0, 1, 3]), [l, n, this.embedDim]);
    let out = linear(merged, this.out_proj.weight, this.out_proj.bias);
    out = unbatched ? squeeze(out, 1) : this.batchFirst ? transpose(out, 0, 1) : out;
    if (!(options?.needWeights ?? true)) return [out, null];
    const w = (options?.averageAttnWeights ?? true) ? mean(weights, 1) : weights;
    return [out, unbatched ? squeeze(w, 0) : w];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}`;
  }
}
