// Every new zoo op (issue 10) against PyTorch 1.13 on each backend: forward values, and the gradients of a
// random linear functional of the outputs with respect to every float input. scaledDotProductAttention is
// compared with PyTorch 2.0's definition written in 1.13 ops (1.13 has no F.scaled_dot_product_attention).
import {
  argsort,
  CpError,
  conv1d,
  conv2d,
  convTranspose2d,
  cumprod,
  cumsum,
  einsum,
  F,
  flip,
  indexAdd,
  indexPut,
  maskedFill,
  maskedScatter,
  randn,
  repeat,
  roll,
  scatter,
  scatterAdd,
  setBackend,
  sort,
  type Tensor,
  tile,
  topk,
  tril,
  triu,
} from '@cp/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, decode, type Encoded, expectClose, runOracle, weightedSum } from './oracle.js';

interface OpCase {
  name: string;
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: the driver's JSON options, passed on as cp options
  args: Record<string, any>;
  inputs: Record<string, Encoded>;
  outputs: Encoded[];
  cots: (Encoded | null)[];
  grads: Record<string, Encoded | null>;
  /** Set when PyTorch refuses the input: its message (cp must raise a CpError). */
  error?: string;
}

type Inputs = Record<string, Tensor>;
// biome-ignore lint/suspicious/noExplicitAny: see OpCase.args
type Run = (i: Inputs, a: Record<string, any>) => Tensor | Tensor[];

const pick = (a: Record<string, unknown>, ...keys: string[]) =>
  Object.fromEntries(keys.filter((k) => k in a).map((k) => [k, a[k]]));
const both = (r: { values: Tensor; indices: Tensor }) => [r.values, r.indices];

/** Per case kind, the cp call; `args` uses cp's option names. */
const RUN: Record<string, Run> = {
  conv1d: (i, a) => conv1d(i.x, i.w, i.b, a),
  conv2d: (i, a) => conv2d(i.x, i.w, i.b, a),
  convTranspose2d: (i, a) => convTranspose2d(i.x, i.w, i.b, a),
  maxPool2d: (i, { kernelSize, returnIndices, ...o }) =>
    returnIndices ? F.maxPool2d(i.x, kernelSize, { ...o, returnIndices: true }) : F.maxPool2d(i.x, kernelSize, o),
  maxPool1d: (i, { kernelSize, returnIndices, ...o }) =>
    returnIndices ? F.maxPool1d(i.x, kernelSize, { ...o, returnIndices: true }) : F.maxPool1d(i.x, kernelSize, o),
  avgPool2d: (i, { kernelSize, ...o }) => F.avgPool2d(i.x, kernelSize, o),
  avgPool1d: (i, { kernelSize, ...o }) => F.avgPool1d(i.x, kernelSize, o),
  adaptiveAvgPool2d: (i, a) => F.adaptiveAvgPool2d(i.x, a.outputSize),
  unfold: (i, { kernelSize, ...o }) => F.unfold(i.x, kernelSize, o),
  fold: (i, { outputSize, kernelSize, ...o }) => F.fold(i.x, outputSize, kernelSize, o),
  pad: (i, { pads, ...o }) => F.pad(i.x, pads, o),
  batchNorm: (i, a) => [F.batchNorm(i.x, i.rm, i.rv, i.w, i.b, a), i.rm, i.rv],
  groupNorm: (i, a) => F.groupNorm(i.x, a.numGroups, i.w, i.b, { eps: a.eps }),
  layerNorm: (i, a) => F.layerNorm(i.x, a.normalizedShape, { weight: i.w, bias: i.b, eps: a.eps }),
  dropout2d: (i, a) => F.dropout2d(i.x, a.p, a.training),
  sdpa: (i, a) =>
    F.scaledDotProductAttention(i.q, i.k, i.v, { ...pick(a, 'isCausal', 'scale'), attnMask: i.mask ?? null }),
  topk: (i, { k, ...o }) => both(topk(i.x, k, o)),
  sort: (i, a) => both(sort(i.x, a)),
  argsort: (i, a) => argsort(i.x, a),
  cumsum: (i, a) => cumsum(i.x, a.dim),
  cumprod: (i, a) => cumprod(i.x, a.dim),
  scatter: (i, a) => scatter(i.x, a.dim, i.index, i.src),
  scatterScalar: (i, a) => scatter(i.x, a.dim, i.index, a.value),
  scatterAdd: (i, a) => scatterAdd(i.x, a.dim, i.index, i.src),
  indexAdd: (i, a) => indexAdd(i.x, a.dim, i.index, i.source, { alpha: a.alpha }),
  indexPut: (i, a) => indexPut(i.x, i.i1 ? [i.i0, i.i1] : [i.i0], i.v, a),
  indexPutBool: (i) => indexPut(i.x, [i.m], i.v),
  maskedScatter: (i) => maskedScatter(i.x, i.m, i.src),
  maskedFill: (i, a) => maskedFill(i.x, i.m, a.value),
  maskedFillTensor: (i) => maskedFill(i.x, i.m, i.value),
  repeat: (i, a) => repeat(i.x, a.reps),
  tile: (i, a) => tile(i.x, a.reps),
  flip: (i, a) => flip(i.x, a.dims),
  roll: (i, a) => roll(i.x, a.shifts, a.dims),
  triu: (i, a) => triu(i.x, a.diagonal),
  tril: (i, a) => tril(i.x, a.diagonal),
  einsum: (i, a) =>
    einsum(
      a.equation,
      ...Object.keys(i)
        .sort()
        .map((k) => i[k]),
    ),
  oneHot: (i, a) => F.oneHot(i.x, a.numClasses),
};

const { cases } = runOracle<{ cases: OpCase[] }>('ops');

/** Runs one case on the current backend and compares outputs and input gradients with PyTorch's. */
function check(c: OpCase): void {
  if (c.error !== undefined) {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, e]) => [k, decode(e)]));
    expect(() => RUN[c.kind](inputs, c.args), `PyTorch: ${c.error}`).toThrow(CpError);
    return;
  }
  const inputs: Inputs = {};
  for (const [k, e] of Object.entries(c.inputs)) inputs[k] = decode(e, c.grads[k] !== undefined);
  const result = RUN[c.kind](inputs, c.args);
  const outputs = Array.isArray(result) ? result : [result];
  expect(outputs.length, 'number of outputs').toBe(c.outputs.length);
  outputs.forEach((o, i) => {
    expectClose(o, c.outputs[i], `output ${i}`);
  });
  const loss = weightedSum(outputs, c.cots);
  if (loss) loss.backward();
  for (const [k, g] of Object.entries(c.grads)) {
    if (g) expectClose(inputs[k].grad, g, `grad of ${k}`);
    else expect(inputs[k].grad ?? null, `grad of ${k} (PyTorch has none)`).toBeNull();
  }
}

it('the driver covers every op kind the suite knows, and no other', () => {
  expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(Object.keys(RUN)));
});

for (const [name, create] of BACKENDS) {
  describe(`ops against PyTorch on ${name}`, () => {
    beforeAll(async () => {
      await setBackend(await create());
    });
    for (const c of cases) it(c.name, () => check(c));

    // NOTE: random masks cannot match PyTorch's generator; the driver's dropout2d cases are p = 0 and eval.
    it('dropout2d in training zeroes whole channels and scales the others by 1/(1-p), as PyTorch does', () => {
      const x = randn([6, 8, 3, 3]);
      const y = F.dropout2d(x, 0.75, true);
      expect(y.shape).toEqual(x.shape);
      const [xs, ys] = [x.dataSync(), y.dataSync()];
      const kept = new Set<boolean>();
      for (let plane = 0; plane < 48; plane++) {
        const at = Array.from({ length: 9 }, (_, j) => plane * 9 + j);
        const keep = ys[at[0]] !== 0;
        kept.add(keep);
        // NOTE: a dropped negative value is -0 (x * 0), in PyTorch too; the difference ignores the sign of 0.
        for (const j of at) expect(Math.abs(ys[j] - (keep ? Math.fround(xs[j] * 4) : 0)), `element ${j}`).toBe(0);
      }
      expect(kept).toEqual(new Set([true, false]));
    });
  });
}
