/**
 * The float64 reference of every optional fused kernel, following the formulas in the contract's doc
 * comments (and PyTorch's for the optimizer updates). Each output element is computed in float64 and
 * rounded to float32 once, so the reference is at least as accurate as any backend's fused kernel.
 */
import type { FusedKernelArgs, FusedKernelName } from '@cp/core/backend';
import type { Resolve } from './kernels.js';
import { f32, maxNaN, minNaN, sigmoid64 } from './scalar.js';

/** Row statistics of a softmax: the max, and `log(sum(exp(x - max)))`. */
export function rowLogSum(x: ArrayLike<number>, start: number, cols: number): { max: number; logSum: number } {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < cols; c++) max = maxNaN(max, x[start + c]);
  let s = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(x[start + c] - max);
  return { max, logSum: Math.log(s) };
}

/**
 * The Euclidean projection of `v` onto `{ y >= 0, sum(y) = radius }` (sort-based, exact in float64), on
 * `v - max(v)` so that a radius far below max|v| is not lost to rounding. NaN (or an infinite max) gives NaN.
 */
export function projectSimplex(v: readonly number[], radius: number): number[] {
  const m = v.reduce((a, b) => maxNaN(a, b), Number.NEGATIVE_INFINITY);
  if (!Number.isFinite(m)) return v.map(() => Number.NaN);
  const u = v.map((x) => x - m).sort((a, b) => b - a);
  let cumsum = 0;
  let theta = 0;
  for (let j = 0; j < u.length; j++) {
    cumsum += u[j];
    const t = (cumsum - radius) / (j + 1);
    if (u[j] - t > 0) theta = t;
  }
  return v.map((x) => Math.max(x - m - theta, 0));
}

/** Reference implementations of the optional fused kernels. */
export const referenceFused: { [K in FusedKernelName]: (args: FusedKernelArgs[K], mem: Resolve) => void } = {
  softmax({ x, out, rows, cols }, mem) {
    const src = Array.from(mem(x));
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const { max, logSum } = rowLogSum(src, r * cols, cols);
      for (let c = 0; c < cols; c++) dst[r * cols + c] = f32(Math.exp(src[r * cols + c] - max - logSum));
    }
  },
  logSoftmax({ x, out, rows, cols }, mem) {
    const src = Array.from(mem(x));
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const { max, logSum } = rowLogSum(src, r * cols, cols);
      for (let c = 0; c < cols; c++) dst[r * cols + c] = f32(src[r * cols + c] - max - logSum);
    }
  },
  softmaxCrossEntropy({ logits, labels, out, rows, cols }, mem) {
    const src = mem(logits);
    const lab = mem(labels);
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const { max, logSum } = rowLogSum(src, r * cols, cols);
      dst[r] = f32(max + logSum - src[r * cols + lab[r]]);
    }
  },
  softmaxCrossEntropyBackward({ logits, labels, grad, gradStride, out, rows, cols }, mem) {
    const src = mem(logits);
    const lab = mem(labels);
    const g = mem(grad);
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const { max, logSum } = rowLogSum(src, r * cols, cols);
      for (let c = 0; c < cols; c++) {
        const p = Math.exp(src[r * cols + c] - max - logSum);
        dst[r * cols + c] = f32((p - (c === lab[r] ? 1 : 0)) * g[r * gradStride]);
      }
    }
  },
  reluBackward({ x, grad, out, n }, mem) {
    const xs = mem(x);
    const gs = mem(grad);
    const dst = mem(out);
    for (let i = 0; i < n; i++) dst[i] = xs[i] > 0 ? gs[i] : 0;
  },
  sgdUpdate(args, mem) {
    const { param, grad, momentumBuf, n, lr, momentum, dampening, nesterov, weightDecay, firstStep, maximize } = args;
    const p = mem(param);
    const gr = mem(grad);
    const buf = momentumBuf === null ? null : mem(momentumBuf);
    for (let i = 0; i < n; i++) {
      let g = maximize ? -gr[i] : gr[i];
      if (weightDecay !== 0) g += weightDecay * p[i];
      if (buf && momentum !== 0) {
        const b = firstStep ? g : momentum * buf[i] + (1 - dampening) * g;
        buf[i] = f32(b);
        g = nesterov ? g + momentum * b : b;
      }
      p[i] = f32(p[i] - lr * g);
    }
  },
  adamUpdate(args, mem) {
    const {
      param,
      grad,
      expAvg,
      expAvgSq,
      maxExpAvgSq,
      n,
      lr,
      beta1,
      beta2,
      eps,
      weightDecay,
      decoupled,
      step,
      maximize,
    } = args;
    const p = mem(param);
    const gr = mem(grad);
    const m = mem(expAvg);
    const v = mem(expAvgSq);
    const vmax = maxExpAvgSq === null ? null : mem(maxExpAvgSq);
    const bc1 = 1 - beta1 ** step;
    const bc2 = 1 - beta2 ** step;
    for (let i = 0; i < n; i++) {
      let g = maximize ? -gr[i] : gr[i];
      let w = p[i];
      if (weightDecay !== 0) {
        if (decoupled) w *= 1 - lr * weightDecay;
        else g += weightDecay * w;
      }
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      let second = vi;
      if (vmax) {
        second = Math.max(vmax[i], vi);
        vmax[i] = f32(second);
      }
      m[i] = f32(mi);
      v[i] = f32(vi);
      const denom = Math.sqrt(second) / Math.sqrt(bc2) + eps;
      p[i] = f32(w - (lr / bc1) * (mi / denom));
    }
  },
  clamp({ x, out, n, lo, hi }, mem) {
    const src = mem(x);
    const dst = mem(out);
    for (let i = 0; i < n; i++) dst[i] = f32(minNaN(maxNaN(src[i], lo), hi));
  },
  renormSlices({ x, out, outer, size, inner, lo, hi, rate }, mem) {
    const src = Array.from(mem(x));
    const dst = mem(out);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (s: number) => (o * size + s) * inner + i;
        let sq = 0;
        for (let s = 0; s < size; s++) sq += src[at(s)] * src[at(s)];
        const nrm = Math.sqrt(sq);
        const outside = nrm !== 0 && (nrm < lo || nrm > hi);
        const scale = outside ? (rate * Math.min(Math.max(nrm, lo), hi) + (1 - rate) * nrm) / nrm : 1;
        for (let s = 0; s < size; s++) dst[at(s)] = outside ? f32(src[at(s)] * scale) : src[at(s)];
      }
    }
  },
  simplexProject({ x, out, rows, cols, radius }, mem) {
    const src = Array.from(mem(x));
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const y = projectSimplex(src.slice(r * cols, (r + 1) * cols), radius);
      for (let c = 0; c < cols; c++) dst[r * cols + c] = f32(y[c]);
    }
  },
  boxTransform({ raw, out, n, lo, hi, grad, gradOut, slope }, mem) {
    const r = Array.from(mem(raw));
    const g = grad === null ? null : Array.from(mem(grad));
    const dst = mem(out);
    const gdst = gradOut === null ? null : mem(gradOut);
    const sdst = slope === null ? null : mem(slope);
    const sp = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    for (let i = 0; i < n; i++) {
      const v = r[i];
      const both = Number.isFinite(lo) && Number.isFinite(hi);
      const value = both
        ? lo + (hi - lo) * sigmoid64(v)
        : Number.isFinite(lo)
          ? lo + sp(v)
          : Number.isFinite(hi)
            ? hi - sp(-v)
            : v;
      const d = both
        ? (hi - lo) * sigmoid64(v) * sigmoid64(-v)
        : Number.isFinite(lo)
          ? sigmoid64(v)
          : Number.isFinite(hi)
            ? sigmoid64(-v)
            : 1;
      dst[i] = f32(value);
      // NOTE: the derivative is rounded to float32 and taken as 0 below 2^-100 (the kernels' contract).
      const d32 = d < 2 ** -100 ? 0 : f32(d);
      if (sdst) sdst[i] = d32;
      if (g && gdst) gdst[i] = f32(g[i] * d32);
    }
  },
  l1BallProject({ x, out, rows, cols, radius }, mem) {
    const src = Array.from(mem(x));
    const dst = mem(out);
    for (let r = 0; r < rows; r++) {
      const row = src.slice(r * cols, (r + 1) * cols);
      const l1 = row.reduce((a, v) => a + Math.abs(v), 0);
      if (l1 <= radius) {
        for (let c = 0; c < cols; c++) dst[r * cols + c] = row[c];
        continue;
      }
      if (!Number.isFinite(l1)) {
        for (let c = 0; c < cols; c++) dst[r * cols + c] = Number.NaN;
        continue;
      }
      const y = projectSimplex(row.map(Math.abs), radius);
      for (let c = 0; c < cols; c++) dst[r * cols + c] = f32(y[c] > 0 ? Math.sign(row[c]) * y[c] : 0);
    }
  },
  lstmCell({ pre, c, gates, cOut, h, rows, hidden }, mem) {
    const [p, cs, gs, co, hs] = [mem(pre), mem(c), mem(gates), mem(cOut), mem(h)];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < hidden; j++) {
        const at = (gate: number) => r * 4 * hidden + gate * hidden + j;
        const [i, f, g, o] = [sigmoid64(p[at(0)]), sigmoid64(p[at(1)]), Math.tanh(p[at(2)]), sigmoid64(p[at(3)])];
        const next = f * cs[r * hidden + j] + i * g;
        [i, f, g, o].forEach((v, gate) => {
          gs[at(gate)] = f32(v);
        });
        co[r * hidden + j] = f32(next);
        hs[r * hidden + j] = f32(o * Math.tanh(next));
      }
    }
  },
  lstmCellBackward({ gates, c, cOut, dh, dc, dpre, dcPrev, rows, hidden }, mem) {
    const [gs, cs, co, dhs, dcs, dp, dcp] = [mem(gates), mem(c), mem(cOut), mem(dh), mem(dc), mem(dpre), mem(dcPrev)];
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < hidden; j++) {
        const at = (gate: number) => r * 4 * hidden + gate * hidden + j;
        const [i, f, g, o] = [gs[at(0)], gs[at(1)], gs[at(2)], gs[at(3)]];
        const s = r * hidden + j;
        const t = Math.tanh(co[s]);
        const all = dcs[s] + dhs[s] * o * (1 - t * t);
        dp[at(0)] = f32(all * g * i * (1 - i));
        dp[at(1)] = f32(all * cs[s] * f * (1 - f));
        dp[at(2)] = f32(all * i * (1 - g * g));
        dp[at(3)] = f32(dhs[s] * t * o * (1 - o));
        dcp[s] = f32(all * f);
      }
    }
  },
  syrk({ a, out, batch, n, k, transA }, mem) {
    const A = mem(a);
    const dst = mem(out);
    const at = (t: number, i: number, p: number) => A[t * n * k + (transA ? p * n + i : i * k + p)];
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += at(t, i, p) * at(t, j, p);
          dst[t * n * n + i * n + j] = f32(s);
        }
      }
    }
  },
};
