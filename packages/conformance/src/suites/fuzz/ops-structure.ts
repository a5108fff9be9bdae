/**
 * Op records of the program fuzzer that change shapes: reductions with dim/keepdim (functional and method
 * forms), matmul (1-D, 2-D, batched, with broadcasting), views (reshape, permute, transpose, slice, narrow,
 * expand, squeeze, unsqueeze, flatten, cat, stack, split, chunk), indexing (indexSelect, gather), softmax,
 * logSoftmax and the losses (crossEntropy, mseLoss). Max/min are kept away from ties.
 */
import { broadcastShapes, margin, reductionSlices, sizeOf } from './bounds.js';
import type { Ctx, OpDef } from './ctx.js';
import { exactMove } from './ops-elementwise.js';
import type { Bound, Info } from './program.js';
import { nameOf } from './program.js';

const isFloat = (x: Info) => x.dtype === 'float32';
const ranked = (x: Info) => x.shape.length > 0;

/** Dims to reduce (undefined = all), as chosen by choices 1 and 2. */
function chooseDims(c: Ctx, x: Info): number[] | undefined {
  const r = x.shape.length;
  const mode = c.choice(1, 4);
  if (r === 0 || mode === 0) return undefined;
  const d = c.choice(2, r);
  if (mode === 3 && r >= 2) return [d, (d + 1) % r].sort((p, q) => p - q);
  return [d];
}

function dimsArg(dims: number[] | undefined, x: Info, negative: boolean): string {
  if (!dims) return '';
  const ds = dims.map((d) => (negative ? d - x.shape.length : d));
  return ds.length === 1 ? String(ds[0]) : `[${ds.join(', ')}]`;
}

type ReduceBound = (x: Info, out: Info, n: number, slices: number[][]) => Bound;

/** A reduction op: `cp.<name>(x, dims, keepdim)` or `x.<name>(dims, { keepdim })`. */
function reduction(
  name: string,
  bound: ReduceBound,
  options: { floatOnly: boolean; ties?: boolean; extra?: string },
): OpDef {
  return (c) => {
    const a = c.pick(0, options.floatOnly ? isFloat : () => true);
    if (a < 0) return null;
    const x = c.infos[a];
    const dims = chooseDims(c, x);
    const keepdim = c.choice(3, 2) === 1;
    const method = c.choice(4, 2) === 1;
    const d = dimsArg(dims, x, c.choice(5, 2) === 1);
    const all = dims ?? x.shape.map((_, i) => i);
    let expr: string;
    if (method || options.extra) {
      const opts = [keepdim ? 'keepdim: true' : '', options.extra ?? ''].filter(Boolean).join(', ');
      const args = [d || (opts ? 'undefined' : ''), opts ? `{ ${opts} }` : ''].filter(Boolean).join(', ');
      expr = `${nameOf(a)}.${name}(${args})`;
    } else {
      expr = `cp.${name}(${[nameOf(a), d || (keepdim ? 'undefined' : ''), keepdim ? 'true' : ''].filter(Boolean).join(', ')})`;
    }
    const n = all.reduce((p, k) => p * x.shape[k], 1);
    return {
      expr,
      inputs: [a],
      ok: ([i]) => {
        if (!options.ties || i.err === 0) return true;
        // NOTE: the gradient of max/min jumps at a tie; the top two of every slice must be `margin` apart.
        return reductionSlices(i.shape, all).every((s) => {
          if (s.length < 2) return true;
          const v = s.map((k) => i.data[k]).sort((p, q) => (name === 'max' ? q - p : p - q));
          return Math.abs(v[0] - v[1]) > margin(i.err);
        });
      },
      bound: ([i], out) => bound(i, out, n, reductionSlices(i.shape, all)),
    };
  };
}

const sliceSum = (x: Info, slices: number[][], f: (v: number) => number) =>
  slices.reduce(
    (m, s) =>
      Math.max(
        m,
        s.reduce((acc, k) => acc + f(x.data[k]), 0),
      ),
    0,
  );

/** Reductions by name. */
export const REDUCE_OPS: Record<string, OpDef> = {
  sum: reduction('sum', (x, _o, n, sl) => ({ round: n * sliceSum(x, sl, Math.abs), gain: [n], back: [1], dErr: [0] }), {
    floatOnly: false,
  }),
  mean: reduction(
    'mean',
    (x, o, n, sl) => ({ round: sliceSum(x, sl, Math.abs) + o.maxAbs, gain: [1], back: [1 / n], dErr: [0] }),
    { floatOnly: true },
  ),
  max: reduction('max', () => ({ round: 0, gain: [1], back: [1], dErr: [0] }), { floatOnly: false, ties: true }),
  min: reduction('min', () => ({ round: 0, gain: [1], back: [1], dErr: [0] }), { floatOnly: false, ties: true }),
  logsumexp: reduction(
    'logsumexp',
    (x, o, n) => ({ round: (n + 8) * (o.maxAbs + x.maxAbs), gain: [1], back: [1], dErr: [2 * x.err] }),
    { floatOnly: true },
  ),
  prod: reduction(
    'prod',
    (x, _o, n) => {
      const m = Math.max(1, x.maxAbs);
      return {
        round: 2 * n * m ** n,
        gain: [n * m ** (n - 1)],
        back: [m ** (n - 1)],
        dErr: [n * n * m ** n * x.err],
        backTerms: n,
      };
    },
    { floatOnly: true },
  ),
  var: reduction(
    'var',
    (x, o, n) => {
      const k = n / Math.max(1, n - 1);
      return {
        round: (2 * n + 8) * (x.maxAbs * x.maxAbs * k + o.maxAbs),
        gain: [4 * x.maxAbs * k],
        back: [(4 * x.maxAbs) / Math.max(1, n - 1)],
        dErr: [4 * k * x.err],
        backTerms: n,
      };
    },
    { floatOnly: true, extra: 'correction: 1' },
  ),
};

/** The shape of `a @ b` (PyTorch's 1-D, 2-D and batched rules), or null. */
function matmulShape(a: readonly number[], b: readonly number[]): number[] | null {
  if (a.length === 0 || b.length === 0) return null;
  const k = a[a.length - 1];
  const kb = b.length === 1 ? b[0] : b[b.length - 2];
  if (k !== kb) return null;
  if (a.length === 1 && b.length === 1) return [];
  if (a.length === 1) return [...b.slice(0, -2), b[b.length - 1]];
  if (b.length === 1) return a.slice(0, -1);
  const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
  return batch ? [...batch, a[a.length - 2], b[b.length - 1]] : null;
}

/** `cp.matmul(a, b)`: b is an earlier value that fits, or a new float32 leaf of a fitting shape. */
const matmulOp: OpDef = (c) => {
  const a = c.pick(0, (x) => isFloat(x) && ranked(x));
  if (a < 0) return null;
  const x = c.infos[a];
  let b = c.pick(1, (y) => isFloat(y) && matmulShape(x.shape, y.shape) !== null);
  if (b < 0 || c.choice(2, 3) === 0) {
    const k = x.shape[x.shape.length - 1];
    const n = 1 + c.choice(3, 3);
    const batch = x.shape.length >= 3 ? x.shape.slice(0, -2) : [2];
    const shapes = [[k], [k, n], [...batch, k, n]];
    b = c.leaf(shapes[c.choice(4, 3)], 'float32', { requiresGrad: c.choice(5, 2) === 1 });
  }
  const inputs = b === a ? [a] : [a, b];
  const expr = c.choice(5, 2) === 1 ? `${nameOf(a)}.matmul(${nameOf(b)})` : `cp.matmul(${nameOf(a)}, ${nameOf(b)})`;
  return {
    expr,
    inputs,
    bound: (ins, out) => {
      const [p, q] = ins.length === 1 ? [ins[0], ins[0]] : ins;
      const k = p.shape[p.shape.length - 1];
      const m = p.shape.length >= 2 ? p.shape[p.shape.length - 2] : 1;
      const n = q.shape.length >= 2 ? q.shape[q.shape.length - 1] : 1;
      const fa = sizeOf(out.shape) / (m * n) / Math.max(1, sizeOf(p.shape) / (m * k));
      const fb = sizeOf(out.shape) / (m * n) / Math.max(1, sizeOf(q.shape) / (k * n));
      const gain = [k * q.maxAbs, k * p.maxAbs];
      const back = [n * fa * q.maxAbs, m * fb * p.maxAbs];
      const dErr = [n * fa * q.err, m * fb * p.err];
      const round = k * k * p.maxAbs * q.maxAbs;
      const backTerms = Math.max(n * fa, m * fb);
      if (ins.length === 1)
        return { round, gain: [gain[0] + gain[1]], back: [back[0] + back[1]], dErr: [dErr[0] + dErr[1]], backTerms };
      return { round, gain, back, dErr, backTerms };
    },
  };
};

/** matmul by name. */
export const MATMUL_OPS: Record<string, OpDef> = { matmul: matmulOp };

/** A reshape target for `shape`: flattened, two dims merged, one dim split, or a 1 inserted. */
function reshapeTarget(c: Ctx, shape: readonly number[]): number[] {
  const r = shape.length;
  const mode = c.choice(1, 4);
  const d = r === 0 ? 0 : c.choice(2, r);
  if (mode === 0 || r === 0) return [sizeOf(shape)];
  if (mode === 1 && r >= 2) {
    const e = Math.min(d, r - 2);
    return [...shape.slice(0, e), shape[e] * shape[e + 1], ...shape.slice(e + 2)];
  }
  if (mode === 2 && shape[d] % 2 === 0) return [...shape.slice(0, d), 2, shape[d] / 2, ...shape.slice(d + 1)];
  return [...shape.slice(0, d), 1, ...shape.slice(d)];
}

function permutation(c: Ctx, r: number): number[] {
  const rest = Array.from({ length: r }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < r; i++) out.push(rest.splice(c.choice(1 + i, rest.length), 1)[0]);
  return out;
}

/** Views and joins by name. */
export const VIEW_OPS: Record<string, OpDef> = {
  reshape: (c) => {
    const a = c.pick(0, () => true);
    const target = reshapeTarget(c, c.infos[a].shape);
    const expr =
      c.choice(3, 2) === 1
        ? `${nameOf(a)}.reshape([${target.join(', ')}])`
        : `cp.reshape(${nameOf(a)}, [${target.join(', ')}])`;
    return { expr, inputs: [a], bound: exactMove([1]) };
  },
  permute: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    return {
      expr: `cp.permute(${nameOf(a)}, [${permutation(c, c.infos[a].shape.length).join(', ')}])`,
      inputs: [a],
      bound: exactMove([1]),
    };
  },
  transpose: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const r = c.infos[a].shape.length;
    if (r <= 2 && c.choice(3, 2) === 1) return { expr: `${nameOf(a)}.t()`, inputs: [a], bound: exactMove([1]) };
    return {
      expr: `cp.transpose(${nameOf(a)}, ${c.choice(1, r)}, ${c.choice(2, r) - r})`,
      inputs: [a],
      bound: exactMove([1]),
    };
  },
  slice: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const n = x.shape[d];
    const start = c.choice(2, n);
    const end = start + 1 + c.choice(3, n - start);
    const step = 1 + c.choice(4, 3);
    const neg = c.choice(5, 2) === 1;
    const expr = `cp.slice(${nameOf(a)}, ${d}, ${neg ? start - n : start}, ${neg && end < n ? end - n : end}, ${step})`;
    return { expr, inputs: [a], bound: exactMove([1]) };
  },
  narrow: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const start = c.choice(2, x.shape[d]);
    const len = 1 + c.choice(3, x.shape[d] - start);
    return { expr: `${nameOf(a)}.narrow(${d}, ${start}, ${len})`, inputs: [a], bound: exactMove([1]) };
  },
  expand: (c) => {
    const a = c.pick(0, () => true);
    const x = c.infos[a];
    const target = x.shape.map((d, i) => (d === 1 && c.choice(1 + (i % 3), 2) === 1 ? 2 + c.choice(4, 2) : d));
    if (c.choice(5, 2) === 1) target.unshift(2);
    if (target.length === x.shape.length && target.every((d, i) => d === x.shape[i])) return null;
    const expr = `cp.expand(${nameOf(a)}, [${target.join(', ')}])`;
    return { expr, inputs: [a], bound: (ins, out) => exactMove([sizeOf(out.shape) / sizeOf(ins[0].shape)])(ins) };
  },
  squeeze: (c) => {
    const a = c.pick(0, () => true);
    const x = c.infos[a];
    const ones = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    const expr =
      ones.length > 0 && c.choice(1, 2) === 1
        ? `cp.squeeze(${nameOf(a)}, ${ones[c.choice(2, ones.length)]})`
        : `cp.squeeze(${nameOf(a)})`;
    return { expr, inputs: [a], bound: exactMove([1]) };
  },
  unsqueeze: (c) => {
    const a = c.pick(0, () => true);
    const r = c.infos[a].shape.length + 1;
    return { expr: `${nameOf(a)}.unsqueeze(${c.choice(1, 2 * r) - r})`, inputs: [a], bound: exactMove([1]) };
  },
  flatten: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const r = c.infos[a].shape.length;
    const s = c.choice(1, r);
    return { expr: `cp.flatten(${nameOf(a)}, ${s}, ${s + c.choice(2, r - s)})`, inputs: [a], bound: exactMove([1]) };
  },
  cat: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const fits = (y: Info) =>
      y.dtype === x.dtype && y.shape.length === x.shape.length && y.shape.every((v, i) => i === d || v === x.shape[i]);
    const b = c.pick(2, (y, k) => k !== a && fits(y));
    const stack = c.choice(3, 3) === 0;
    if (stack) {
      const s = c.pick(
        2,
        (y, k) =>
          k !== a &&
          y.dtype === x.dtype &&
          y.shape.every((v, i) => v === x.shape[i]) &&
          y.shape.length === x.shape.length,
      );
      const other = s < 0 ? a : s;
      const inputs = s < 0 ? [a] : [a, s];
      return {
        expr: `cp.stack([${nameOf(a)}, ${nameOf(other)}], ${d})`,
        inputs,
        bound: exactMove(s < 0 ? [2] : [1, 1]),
      };
    }
    const other = b < 0 ? a : b;
    return {
      expr: `cp.cat([${nameOf(a)}, ${nameOf(other)}], ${d})`,
      inputs: b < 0 ? [a] : [a, b],
      bound: exactMove(b < 0 ? [2] : [1, 1]),
    };
  },
  split: (c) => {
    const a = c.pick(0, (x) => ranked(x) && x.shape.some((d) => d >= 2));
    if (a < 0) return null;
    const x = c.infos[a];
    const dims = x.shape.flatMap((v, i) => (v >= 2 ? [i] : []));
    const d = dims[c.choice(1, dims.length)];
    const n = x.shape[d];
    if (c.choice(2, 2) === 1) {
      const size = 1 + c.choice(3, n - 1);
      const part = c.choice(4, Math.ceil(n / size));
      return { expr: `cp.split(${nameOf(a)}, ${size}, ${d})[${part}]`, inputs: [a], bound: exactMove([1]) };
    }
    const chunks = 2 + c.choice(3, n - 1);
    const part = c.choice(4, Math.ceil(n / Math.ceil(n / chunks)));
    return { expr: `${nameOf(a)}.chunk(${chunks}, ${d})[${part}]`, inputs: [a], bound: exactMove([1]) };
  },
};

/** indexSelect and gather with int32 indices made from plain numbers (repeats included). */
export const INDEX_OPS: Record<string, OpDef> = {
  indexSelect: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const count = 1 + c.choice(2, 4);
    const values = Array.from({ length: count }, () => Math.floor(c.rand() * x.shape[d]));
    const idx = c.leaf([count], 'int32', { values });
    const repeats = Math.max(...values.map((v) => values.filter((w) => w === v).length));
    return {
      expr: `cp.indexSelect(${nameOf(a)}, ${d}, ${nameOf(idx)})`,
      inputs: [a, idx],
      bound: exactMove([repeats, 0]),
    };
  },
  gather: (c) => {
    const a = c.pick(0, ranked);
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const shape = x.shape.map((v, i) => (i === d ? 1 + c.choice(2, 4) : v));
    const values = Array.from({ length: sizeOf(shape) }, () => Math.floor(c.rand() * x.shape[d]));
    const idx = c.leaf(shape, 'int32', { values });
    return { expr: `${nameOf(a)}.gather(${d}, ${nameOf(idx)})`, inputs: [a, idx], bound: exactMove([shape[d], 0]) };
  },
};

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** softmax, logSoftmax, crossEntropy and mseLoss. */
export const NN_OPS: Record<string, OpDef> = {
  softmax: (c) => {
    const a = c.pick(0, (x) => isFloat(x) && ranked(x));
    if (a < 0) return null;
    const x = c.infos[a];
    const d = c.choice(1, x.shape.length);
    const log = c.choice(2, 2) === 1;
    const cols = x.shape[d];
    const expr = log ? `cp.logSoftmax(${nameOf(a)}, ${d})` : `${nameOf(a)}.softmax(${d - x.shape.length})`;
    return {
      expr,
      inputs: [a],
      bound: ([i], out) => {
        const base = cols + 8 + 8 * i.maxAbs + 2 * Math.log(cols) + 2;
        return log
          ? { round: base + 4 * out.maxAbs, gain: [2], back: [cols], dErr: [cols * i.err], backTerms: cols }
          : { round: base * out.maxAbs, gain: [1], back: [1], dErr: [cols * i.err], backTerms: cols };
      },
    };
  },
  crossEntropy: (c) => {
    const a = c.pick(0, (x) => isFloat(x) && x.shape.length === 2);
    if (a < 0) return null;
    const [rows, cols] = c.infos[a].shape;
    const labels = c.leaf([rows], 'int32', { values: Array.from({ length: rows }, () => Math.floor(c.rand() * cols)) });
    const reduction = REDUCTIONS[c.choice(1, 3)];
    const smoothing = c.choice(2, 3) === 0 ? 0.1 : 0;
    const opts = [
      reduction !== 'mean' ? `reduction: '${reduction}'` : '',
      smoothing ? `labelSmoothing: ${smoothing}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    return {
      expr: `cp.F.crossEntropy(${nameOf(a)}, ${nameOf(labels)}${opts ? `, { ${opts} }` : ''})`,
      inputs: [a, labels],
      bound: ([x]) => {
        const perRow = cols + 8 + 12 * (x.maxAbs + Math.log(cols));
        const total = reduction === 'none' ? 1 : rows;
        return {
          round: perRow * (reduction === 'sum' ? rows : 1) + total * total * (x.maxAbs + Math.log(cols)),
          gain: [2 * (reduction === 'sum' ? rows : 1), 0],
          back: [1, 0],
          dErr: [x.err, 0],
          backTerms: cols,
        };
      },
    };
  },
  mseLoss: (c) => {
    const a = c.pick(0, isFloat);
    if (a < 0) return null;
    const x = c.infos[a];
    let b = c.pick(
      1,
      (y, k) => k !== a && isFloat(y) && y.shape.length === x.shape.length && y.shape.every((v, i) => v === x.shape[i]),
    );
    if (b < 0) b = c.leaf(x.shape, 'float32', { requiresGrad: c.choice(2, 2) === 1 });
    const reduction = REDUCTIONS[c.choice(3, 3)];
    const opts = reduction !== 'mean' ? `, { reduction: '${reduction}' }` : '';
    return {
      expr: `cp.F.mseLoss(${nameOf(a)}, ${nameOf(b)}${opts})`,
      inputs: [a, b],
      bound: ([p, q]) => {
        const n = sizeOf(p.shape);
        let sq = 0;
        let sa = 0;
        let md = 0;
        p.data.forEach((v, i) => {
          const d = Math.abs(v - q.data[i]);
          sq += d * d;
          sa += d;
          md = Math.max(md, d);
        });
        const scale = reduction === 'mean' ? 1 / n : 1;
        const gain = reduction === 'none' ? 2 * md : 2 * sa * scale;
        const back = 2 * md * scale;
        const dErr = 2 * (p.err + q.err) * scale;
        const round = reduction === 'none' ? md * md : n * sq * scale + sq * scale;
        return { round, gain: [gain, gain], back: [back, back], dErr: [dErr, dErr], backTerms: 0 };
      },
    };
  },
};
