/**
 * `einsum(equation, ...operands)` (torch.einsum), written with other ops so its gradient comes from the
 * composition: a repeated label in one term takes a diagonal (permute + reshape + strided slice), labels
 * of one operand that nothing else needs are summed early, operands are combined left to right by one
 * batched `matmul` each (shared kept labels are the batch, shared dropped ones the contraction), and the
 * result is summed and permuted to the output. `...` stands for broadcast leading dims.
 */

import { withOp } from '../engine/dispatch.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor, describe } from '../tensor/validate.js';
import { matmul } from './linalg.js';
import { alias, expand, permute, reshape, slice } from './movement.js';
import { sum } from './reduce.js';

/** An operand with one label per dim. */
interface Labeled {
  t: Tensor;
  labels: string[];
}

// NOTE: the dims `...` stands for get labels outside the letters, in order, so they sort before them.
const ellipsisLabel = (k: number): string => String.fromCharCode(0x100 + k);
const isLetter = (c: string): boolean => /^[a-zA-Z]$/.test(c);

/** The labels of one term, its `...` expanded to `rank - letters` dims (the last ones of `ellipsisRank`). */
function termLabels(term: string, rank: number, which: string): { labels: string[]; ellipsis: number } {
  const parts = term.split('...');
  if (parts.length > 2) throw new ArgumentError(`einsum: ${which} '${term}' has more than one '...'`);
  for (const c of parts.join('')) {
    if (!isLetter(c)) throw new ArgumentError(`einsum: ${which} '${term}' has '${c}'; labels are letters a-z, A-Z`);
  }
  const letters = parts.join('').length;
  if (parts.length === 1) {
    if (rank >= 0 && letters !== rank)
      throw new ShapeError(`einsum: ${which} '${term}' has ${letters} labels for an operand with ${rank} dims`);
    return { labels: [...term], ellipsis: 0 };
  }
  const e = rank - letters;
  if (rank >= 0 && e < 0)
    throw new ShapeError(`einsum: ${which} '${term}' has ${letters} labels for an operand with ${rank} dims`);
  return { labels: [...parts[0], ...(rank >= 0 ? [`\u0000${e}`] : ['\u0000']), ...parts[1]], ellipsis: e };
}

/** Replaces the `\u0000<e>` marker of a term by the last `e` of `total` ellipsis labels. */
function expandEllipsis(labels: string[], total: number): string[] {
  return labels.flatMap((l) => {
    if (!l.startsWith('\u0000')) return [l];
    const e = l.length > 1 ? Number(l.slice(1)) : total;
    return Array.from({ length: e }, (_, k) => ellipsisLabel(total - e + k));
  });
}

/** The diagonal over dims `p < q` of equal size: permute them last, flatten them, take every (n+1)-th. */
function diagonal(t: Tensor, p: number, q: number): Tensor {
  const n = t.shape[p];
  const order = t.shape.map((_, i) => i).filter((i) => i !== p && i !== q);
  const moved = permute(t, [...order, p, q]);
  const flat = reshape(moved, [...order.map((i) => t.shape[i]), n * n]);
  const diag = n === 0 ? flat : slice(flat, order.length, 0, null, n + 1);
  // NOTE: the diagonal's dim goes where the label first appeared, as in PyTorch.
  const back = [...order.slice(0, p).map((_, i) => i), order.length, ...order.slice(p).map((_, i) => p + i)];
  return permute(diag, back);
}

/** Takes the diagonal of every repeated label of one operand. */
function uniqueLabels(op: Labeled, term: string): Labeled {
  let { t, labels } = op;
  for (;;) {
    const q = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (q < 0) return { t, labels };
    const p = labels.indexOf(labels[q]);
    if (t.shape[p] !== t.shape[q]) {
      throw new ShapeError(
        `einsum: label '${labels[q]}' repeats in '${term}' over dims of sizes ${t.shape[p]} and ${t.shape[q]}`,
      );
    }
    t = diagonal(t, p, q);
    labels = labels.filter((_, i) => i !== q);
  }
}

/** Sums out the labels of `op` not in `keep`. */
function sumExcept(op: Labeled, keep: Set<string>): Labeled {
  const dims = op.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (dims.length === 0) return op;
  return { t: sum(op.t, dims), labels: op.labels.filter((l) => keep.has(l)) };
}

/** `op` permuted to `order` (a permutation of its labels). */
function arrange(op: Labeled, order: string[]): Tensor {
  const dims = order.map((l) => op.labels.indexOf(l));
  return dims.every((d, i) => d === i) ? op.t : permute(op.t, dims);
}

/** Combines two operands with one batched matmul; the result keeps the labels in `keep`. */
function contract(a: Labeled, b: Labeled, keep: Set<string>, size: Map<string, number>): Labeled {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const onlyA = a.labels.filter((l) => !inB.has(l));
  const onlyB = b.labels.filter((l) => !inA.has(l));
  const dims = (ls: string[]) => ls.map((l) => size.get(l)!);
  const A = reshape(arrange(a, [...batch, ...onlyA, ...summed]), [
    sizeOf(dims(batch)),
    sizeOf(dims(onlyA)),
    sizeOf(dims(summed)),
  ]);
  const B = reshape(arrange(b, [...batch, ...summed, ...onlyB]), [
    sizeOf(dims(batch)),
    sizeOf(dims(summed)),
    sizeOf(dims(onlyB)),
  ]);
  const labels = [...batch, ...onlyA, ...onlyB];
  return { t: reshape(matmul(A, B), dims(labels)), labels };
}

function parseOperands(operands: readonly (Tensor | readonly Tensor[])[]): Tensor[] {
  const list = operands.length === 1 && Array.isArray(operands[0]) ? (operands[0] as Tensor[]) : (operands as Tensor[]);
  list.forEach((t, i) => {
    checkTensor('einsum', t, `operand ${i}`);
  });
  return list;
}

/**
 * Sums products of `operands` over the labels `equation` names (torch.einsum): `'ij,jk->ik'` is a matrix
 * product, `'ii->i'` a diagonal, `'ii'` a trace, `'bij,bjk->bik'` a batched product, `'...ij->...ji'` a
 * transpose of the last two dims. Without `->` the output is the labels that appear once, in alphabetical
 * order, after the `...` dims; `...` dims an explicit output leaves out are summed. Size-1 dims broadcast. The operands may also be given as one array.
 */
export function einsum(equation: string, ...operands: (Tensor | readonly Tensor[])[]): Tensor {
  return withOp('einsum', () => {
    if (typeof equation !== 'string')
      throw new ArgumentError(`einsum: equation must be a string, got ${describe(equation)}`);
    const xs = parseOperands(operands);
    const eq = equation.replace(/\s+/g, '');
    const arrow = eq.split('->');
    if (arrow.length > 2) throw new ArgumentError(`einsum: equation '${equation}' has more than one '->'`);
    const terms = arrow[0].split(',');
    if (terms.length !== xs.length) {
      throw new ArgumentError(
        `einsum: equation '${equation}' has ${terms.length} input terms but ${xs.length} operands were given`,
      );
    }
    const parsed = terms.map((term, i) => termLabels(term, xs[i].ndim, `term ${i}`));
    const total = Math.max(0, ...parsed.map((p) => p.ellipsis));
    let ops: Labeled[] = parsed.map((p, i) =>
      uniqueLabels({ t: xs[i], labels: expandEllipsis(p.labels, total) }, terms[i]),
    );
    const count = new Map<string, number>();
    for (const term of terms) {
      for (const c of term.replace('...', '')) count.set(c, (count.get(c) ?? 0) + 1);
    }
    let out: string[];
    if (arrow.length === 2) {
      const outTerm = termLabels(arrow[1], -1, 'output');
      out = expandEllipsis(outTerm.labels, total);
      const seen = new Set<string>();
      for (const l of out) {
        if (seen.has(l)) throw new ArgumentError(`einsum: output label '${l}' repeats in '${equation}'`);
        seen.add(l);
        if (isLetter(l) && !count.has(l))
          throw new ArgumentError(`einsum: output label '${l}' of '${equation}' is in no input term`);
      }
    } else {
      const once = [...count.entries()].filter(([, n]) => n === 1).map(([l]) => l);
      out = [...Array.from({ length: total }, (_, k) => ellipsisLabel(k)), ...once.sort()];
    }
    // The size of every label, with size-1 dims broadcast to it.
    const size = new Map<string, number>();
    for (const [i, op] of ops.entries()) {
      op.labels.forEach((l, d) => {
        const n = op.t.shape[d];
        const seen = size.get(l);
        if (seen === undefined || seen === 1) size.set(l, n);
        else if (n !== 1 && n !== seen) {
          const name = isLetter(l) ? `label '${l}'` : 'the ... dims';
          throw new ShapeError(
            `einsum: ${name} has size ${seen} in one operand and ${n} in operand ${i} (shape ${fmtShape(op.t.shape)}) of '${equation}'`,
          );
        }
      });
    }
    ops = ops.map((op) => {
      const target = op.labels.map((l) => size.get(l)!);
      return target.every((n, d) => n === op.t.shape[d]) ? op : { t: expand(op.t, target), labels: op.labels };
    });
    const outSet = new Set(out);
    const needed = (from: number) => {
      const keep = new Set(outSet);
      for (const op of ops.slice(from)) for (const l of op.labels) keep.add(l);
      return keep;
    };
    let acc = sumExcept(ops[0], needed(1));
    for (let i = 1; i < ops.length; i++) {
      const keep = needed(i + 1);
      acc = contract(acc, sumExcept(ops[i], new Set([...keep, ...acc.labels])), keep, size);
    }
    // NOTE: '...' dims the output does not name are summed, as in PyTorch.
    acc = sumExcept(acc, outSet);
    const result = arrange(acc, out);
    return xs.includes(result) ? alias(result, 'einsum') : result;
  });
}
