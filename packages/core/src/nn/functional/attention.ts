/**
 * `scaledDotProductAttention`: `softmax(q·kᵀ·scale + mask)·v`, composed from core ops (matmul, where,
 * softmax), plus the mask helpers MultiheadAttention shares. Masks are built with compare/where: a causal
 * mask compares two aranges, a boolean mask selects -inf, a float mask is added.
 */

import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { compare, where } from '../../ops/compare.js';
import { add, mul } from '../../ops/elementwise.js';
import { matmul } from '../../ops/linalg.js';
import { reshape, transpose } from '../../ops/movement.js';
import { softmax } from '../../ops/softmax.js';
import { arange } from '../../tensor/creation.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';
import { dropout } from './activation.js';

/** Options of `scaledDotProductAttention`. */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`: a bool mask is **true where attention is allowed** (PyTorch's SDPA
   * convention), a float mask is added to the scores.
   */
  attnMask?: Tensor | null;
  /** Query i attends to keys j <= i only (cannot be combined with attnMask). */
  isCausal?: boolean;
  /** Multiplies the scores (default 1/sqrt(E)). */
  scale?: number;
  /** Dropout on the attention weights (default 0); applied whenever > 0, as in PyTorch. */
  dropoutP?: number;
  /** The generator of the dropout mask (default: the core default generator). */
  generator?: Generator;
}

/** `[L, S]` bool, true where key j may be attended from query i (j <= i). */
export function causalAllowed(l: number, s: number, like: Tensor): Tensor {
  const rows = reshape(arange(0, l, 1, { backend: like.backend }), [l, 1]);
  const cols = reshape(arange(0, s, 1, { backend: like.backend }), [1, s]);
  return compare('le', cols, rows);
}

/** Applies `mask` to `scores`: a bool mask keeps entries where it equals `keep` (others become -inf), a float mask is added. */
export function applyMask(scores: Tensor, mask: Tensor, keep: boolean): Tensor {
  if (mask.dtype === 'bool') return keep ? where(mask, scores, -Infinity) : where(mask, -Infinity, scores);
  return add(scores, mask);
}

/** Softmax attention weights `[..., L, S]` of `q` `[..., L, E]` against `k` `[..., S, E]`, masks applied by `mask`. */
export function attentionWeights(
  q: Tensor,
  k: Tensor,
  scale: number,
  mask: (scores: Tensor) => Tensor,
  dropoutP: number,
  generator?: Generator,
): Tensor {
  const weights = softmax(mask(mul(matmul(q, transpose(k, -2, -1)), scale)), -1);
  return dropoutP > 0 ? dropout(weights, dropoutP, true, { generator }) : weights;
}

/**
 * Attention of `q` `[..., L, E]` over `k` `[..., S, E]` and `v` `[..., S, Ev]`: `softmax(q·kᵀ·scale + mask)·v`,
 * shape `[..., L, Ev]` (like PyTorch 2's `scaled_dot_product_attention`). A fully masked row gives NaN, as in PyTorch.
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options?: ScaledDotProductAttentionOptions,
): Tensor {
  return withOp('scaledDotProductAttention', () => {
    const op = 'scaledDotProductAttention';
    checkTensor(op, q, 'query');
    checkTensor(op, k, 'key');
    checkTensor(op, v, 'value');
    checkOptions(op, options, ['attnMask', 'isCausal', 'scale', 'dropoutP', 'generator']);
    if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2)
      throw new ShapeError(
        `${op}: query, key and value need at least 2 dims [..., L, E], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`,
      );
    const e = q.shape[q.ndim - 1];
    const s = k.shape[k.ndim - 2];
    if (k.shape[k.ndim - 1] !== e || v.shape[v.ndim - 2] !== s)
      throw new ShapeError(
        `${op}: query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)} do not fit [..., L, E], [..., S, E], [..., S, Ev]`,
      );
    const mask = options?.attnMask ?? null;
    if (mask !== null) checkTensor(op, mask, 'attnMask');
    const isCausal = options?.isCausal ?? false;
    if (typeof isCausal !== 'boolean')
      throw new ArgumentError(`${op}: isCausal must be a boolean, got ${describe(isCausal)}`);
    if (isCausal && mask) throw new ArgumentError(`${op}: give either attnMask or isCausal, not both`);
    const scale = options?.scale ?? 1 / Math.sqrt(e);
    if (typeof scale !== 'number' || !Number.isFinite(scale))
      throw new ArgumentError(`${op}: scale must be a finite number, got ${describe(scale)}`);
    const p = options?.dropoutP ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`${op}: dropoutP must be in [0, 1], got ${describe(p)}`);
    const l = q.shape[q.ndim - 2];
    const allowed = isCausal ? causalAllowed(l, s, q) : mask;
    const weights = attentionWeights(
      q,
      k,
      scale,
      (x) => (allowed ? applyMask(x, allowed, true) : x),
      p,
      options?.generator,
    );
    return matmul(weights, v);
  });
}
