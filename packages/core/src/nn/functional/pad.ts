/**
 * `pad(x, pads, {mode, value})` with PyTorch's `F.pad` semantics: `pads` lists `[before, after]` pairs from
 * the last dim backwards. 'constant' concatenates blocks of `value` (a negative pad crops, as PyTorch);
 * 'reflect' (mirror without repeating the edge) and 'replicate' (repeat the edge) gather along each dim
 * with a host-built index, so their gradients sum into the source positions through `scatterAdd`.
 */
import { withOp } from '../../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { alias, cat, slice } from '../../ops/movement.js';
import { type GatherPlan, unfoldBy } from '../../ops/window.js';
import { full, tensor } from '../../tensor/creation.js';
import { sizeOf } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';

/** Options of `pad`. */
export interface PadOptions {
  /** 'constant' (default), 'reflect' or 'replicate'. */
  mode?: 'constant' | 'reflect' | 'replicate';
  /** The fill of 'constant' mode (default 0). */
  value?: number;
}

function constantDim(x: Tensor, dim: number, before: number, after: number, value: number): Tensor {
  let t = x;
  if (before < 0) t = slice(t, dim, -before);
  if (after < 0) t = slice(t, dim, 0, t.shape[dim] + after);
  const block = (n: number) =>
    full(
      t.shape.map((s, i) => (i === dim ? n : s)),
      value,
      { backend: x.backend, dtype: x.dtype },
    );
  const parts = [...(before > 0 ? [block(before)] : []), t, ...(after > 0 ? [block(after)] : [])];
  return parts.length === 1 ? t : cat(parts, dim);
}

function indexedDim(x: Tensor, dim: number, before: number, after: number, reflect: boolean): Tensor {
  const size = x.shape[dim];
  const count = size + before + after;
  const index = new Int32Array(count);
  for (let j = 0; j < count; j++) {
    let i = j - before;
    if (reflect) {
      const period = 2 * (size - 1);
      i = period === 0 ? 0 : ((i % period) + period) % period;
      if (i >= size) i = period - i;
    } else i = Math.min(Math.max(i, 0), size - 1);
    index[j] = i;
  }
  const plan: GatherPlan = {
    outer: sizeOf(x.shape.slice(0, dim)),
    size,
    inner: sizeOf(x.shape.slice(dim + 1)),
    count,
    indexStrides: [0, 1, 0],
  };
  const outShape = x.shape.map((s, i) => (i === dim ? count : s));
  return unfoldBy(x, tensor(index, { dtype: 'int32', backend: x.backend }), plan, outShape);
}

/**
 * Pads x by `pads = [lastBefore, lastAfter, secondLastBefore, ...]` (at most `2·x.ndim` entries).
 * 'reflect' needs each pad smaller than its dim and 'replicate' a non-empty dim; neither takes negative pads.
 */
export function pad(x: Tensor, pads: readonly number[], options?: PadOptions): Tensor {
  const op = 'pad';
  return withOp(op, () => {
    checkTensor(op, x, 'input');
    checkOptions(op, options, ['mode', 'value']);
    const mode = options?.mode ?? 'constant';
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate')
      throw new ArgumentError(`${op}: mode must be 'constant', 'reflect' or 'replicate', got ${describe(mode)}`);
    const value = options?.value ?? 0;
    if (typeof value !== 'number') throw new ArgumentError(`${op}: value must be a number, got ${describe(value)}`);
    if (mode !== 'constant' && options?.value !== undefined)
      throw new ArgumentError(`${op}: value is only used by mode 'constant', got mode '${mode}'`);
    if (
      !Array.isArray(pads) ||
      pads.length % 2 !== 0 ||
      pads.length > 2 * x.ndim ||
      pads.some((p) => !Number.isInteger(p))
    )
      throw new ArgumentError(
        `${op}: pads must be an even number (at most ${2 * x.ndim}) of integers for input ${fmtShape(x.shape)}, got ${describe(pads)}`,
      );
    let t = x;
    for (let k = 0; k < pads.length / 2; k++) {
      const dim = x.ndim - 1 - k;
      const [before, after] = [pads[2 * k], pads[2 * k + 1]];
      if (before === 0 && after === 0) continue;
      if (mode === 'constant') {
        if (t.shape[dim] + before + after < 0)
          throw new ShapeError(`${op}: pads ${describe(pads)} crop dim ${dim} of ${fmtShape(x.shape)} below size 0`);
        t = constantDim(t, dim, before, after, value);
        continue;
      }
      const size = t.shape[dim];
      if (before < 0 || after < 0)
        throw new ArgumentError(`${op}: mode '${mode}' takes no negative pads, got ${describe(pads)}`);
      if (mode === 'reflect' && (before >= size || after >= size))
        throw new ShapeError(
          `${op}: reflect pads must be smaller than the dim they pad: dim ${dim} of ${fmtShape(x.shape)} has size ${size}, pads ${describe(pads)}`,
        );
      if (mode === 'replicate' && size === 0)
        throw new ShapeError(`${op}: cannot replicate an empty dim ${dim} of ${fmtShape(x.shape)}`);
      t = indexedDim(t, dim, before, after, mode === 'reflect');
    }
    return t === x ? alias(x, op) : t;
  });
}
