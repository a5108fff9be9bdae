// Golden values for softmax, logSoftmax and softmaxCrossEntropy, including overflow and all -Infinity rows.
import { describe, expect, it } from 'vitest';
import { backend, download, f32, upload } from './helpers.js';

type Kind = 'softmax' | 'logSoftmax';

function run(kind: Kind, x: number[], rows: number, cols: number): number[] {
  const be = backend();
  const hx = upload(be, 'float32', x);
  const out = be.alloc('float32', rows * cols);
  be.fused[kind]?.({ x: hx, out, rows, cols });
  return download(be, out);
}

function xent(logits: number[], labels: number[], cols: number): number[] {
  const be = backend();
  const hl = upload(be, 'float32', logits);
  const hy = upload(be, 'int32', labels);
  const out = be.alloc('float32', labels.length);
  be.fused.softmaxCrossEntropy?.({ logits: hl, labels: hy, out, rows: labels.length, cols });
  return download(be, out);
}

const { NaN: nan, POSITIVE_INFINITY: inf } = Number;
const LN2 = Math.LN2;

describe('softmax', () => {
  it('normalizes each row', () => {
    const e = Math.E;
    expect(run('softmax', [0, 0, 1, 0, Math.log(3), 0], 2, 3)).toEqual(
      f32([1 / (2 + e), 1 / (2 + e), e / (2 + e), 0.2, 0.6, 0.2]),
    );
  });

  it('does not overflow on large logits', () => {
    expect(run('softmax', [1000, 1000], 1, 2)).toEqual([0.5, 0.5]);
  });

  it('gives exact zeros for -Infinity entries', () => {
    expect(run('softmax', [-inf, 0], 1, 2)).toEqual([0, 1]);
  });

  it('gives NaN for a row of all -Infinity', () => {
    expect(run('softmax', [-inf, -inf, 1, 1], 2, 2)).toEqual([nan, nan, 0.5, 0.5]);
  });

  it('gives 1 for a single column', () => {
    expect(run('softmax', [-3, 7], 2, 1)).toEqual([1, 1]);
  });
});

describe('logSoftmax', () => {
  it('computes x - logsumexp(x) per row', () => {
    expect(run('logSoftmax', [0, 0, 5, 5], 2, 2)).toEqual(f32([-LN2, -LN2, -LN2, -LN2]));
  });

  it('stays finite for very negative members of a row', () => {
    // -log1p(e^-200) is -1.4e-87: zero in float32.
    expect(run('logSoftmax', [0, -200], 1, 2)).toEqual([0, -200]);
  });

  it('gives NaN for a row of all -Infinity', () => {
    expect(run('logSoftmax', [-inf, -inf], 1, 2)).toEqual([nan, nan]);
  });
});

describe('softmaxCrossEntropy', () => {
  it('computes logsumexp(row) - row[label]', () => {
    // row 0: log(e^0 + e^0) - 0 = ln 2; row 1: log(1 + 3) - log 3 (up to the float32 rounding of log 3)
    const [a, b] = xent([0, 0, 0, Math.log(3)], [1, 1], 2);
    expect(a).toBe(Math.fround(LN2));
    expect(b).toBeCloseTo(Math.log(4 / 3), 6);
  });

  it('stays finite for large logits', () => {
    expect(xent([1000, 1000], [0], 2)).toEqual(f32([LN2]));
  });

  it('gives NaN for a row of all -Infinity', () => {
    expect(xent([-inf, -inf], [0], 2)).toEqual([nan]);
  });
});
