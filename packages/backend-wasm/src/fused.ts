/**
 * The fused kernels of the wasm backend (every optional one): softmax family (with the cross-entropy
 * gradient), relu's gradient (split like the cheap elementwise kernels), torch-style SGD and
 * Adam/AdamW updates in one in-place pass, the constraint projections, the LSTM cell with its gradient (split
 * over rows), and the symmetric product (syrk). Scalar coefficients (bias
 * corrections, 1 - dampening) are computed here in double, exactly as the reference backend computes them.
 */
import { ArgumentError } from '@cp/core';
import type { FusedKernels } from '@cp/core/backend';
import type { Ctx } from './context.js';
import { CHEAP_CHUNK, COSTLY_CHUNK, MATMUL_MIN_FLOPS } from './kernels.js';

const F = 'float32';
/** Elements per task of the softmax family (rows are kept whole) and of the optimizer updates. */
export const SOFTMAX_CHUNK = 8192;
export const OPTIMIZER_CHUNK = 8192;
/**
 * Rows per band of `syrk`, a task each: a band computes its diagonal block whole, so the waste is about
 * SYRK_BAND/n of the work; the bands of one product shrink towards the bottom, which the claim queue balances.
 * NOTE: fixed, so the serial call and any thread split compute the same bands.
 */
export const SYRK_BAND = 32;

/** Builds the fused kernel table over one instance. */
export function makeFused(c: Ctx): Required<FusedKernels> {
  const k = c.k;
  const rowsOf = (cols: number) => Math.max(1, Math.ceil(c.grain(SOFTMAX_CHUNK, 1) / Math.max(1, cols)));
  const opt = c.grain(OPTIMIZER_CHUNK, 16);
  const cheap = c.grain(CHEAP_CHUNK, 16);
  // Rows of the LSTM cell per task: about COSTLY_CHUNK gate elements (each evaluates sigmoid or tanh).
  const lstmRows = (hidden: number) => Math.max(1, Math.ceil(c.grain(COSTLY_CHUNK, 1) / (4 * Math.max(1, hidden))));
  const softmax =
    (log: number) =>
    ({ x, out, rows, cols }: { x: number; out: number; rows: number; cols: number }) => {
      const n = rows * cols;
      const args = [c.ptr(x, n, 'softmax x', F), c.ptr(out, n, 'softmax out', F), rows, cols, log];
      if (!c.par('softmax', 'cp_softmax_task', args, rows, rowsOf(cols)))
        k.cp_softmax(args[0], args[1], rows, cols, log);
    };
  return {
    softmax: softmax(0),
    logSoftmax: softmax(1),

    softmaxCrossEntropy({ logits, labels, out, rows, cols }) {
      if (cols === 0 && rows > 0) throw new ArgumentError('wasm backend: softmaxCrossEntropy with 0 classes');
      const px = c.ptr(logits, rows * cols, 'softmaxCrossEntropy logits', F);
      const pl = c.ptr(labels, rows, 'softmaxCrossEntropy labels', 'int32');
      const po = c.ptr(out, rows, 'softmaxCrossEntropy out', F);
      const args = [px, pl, po, rows, cols];
      if (!c.par('softmaxCrossEntropy', 'cp_softmax_cross_entropy_task', args, rows, rowsOf(cols))) {
        k.cp_softmax_cross_entropy(px, pl, po, rows, cols);
      }
    },

    softmaxCrossEntropyBackward({ logits, labels, grad, gradStride, out, rows, cols }) {
      if (cols === 0 && rows > 0) throw new ArgumentError('wasm backend: softmaxCrossEntropyBackward with 0 classes');
      const px = c.ptr(logits, rows * cols, 'softmaxCrossEntropyBackward logits', F);
      const pl = c.ptr(labels, rows, 'softmaxCrossEntropyBackward labels', 'int32');
      const pg = c.ptr(grad, rows === 0 ? 0 : gradStride * (rows - 1) + 1, 'softmaxCrossEntropyBackward grad', F);
      const po = c.ptr(out, rows * cols, 'softmaxCrossEntropyBackward out', F);
      if (out === logits) throw new ArgumentError('wasm backend: softmaxCrossEntropyBackward out must not be logits');
      k.cp_softmax_cross_entropy_backward(px, pl, pg, gradStride, po, rows, cols);
    },

    reluBackward({ x, grad, out, n }) {
      const args = [
        c.ptr(x, n, 'reluBackward x', F),
        c.ptr(grad, n, 'reluBackward grad', F),
        c.ptr(out, n, 'reluBackward out', F),
        n,
      ];
      if (!c.par('reluBackward', 'cp_relu_backward_task', args, n, cheap))
        k.cp_relu_backward(args[0], args[1], args[2], n);
    },

    sgdUpdate({ param, grad, momentumBuf, n, lr, momentum, dampening, nesterov, weightDecay, firstStep, maximize }) {
      const pp = c.ptr(param, n, 'sgdUpdate param', F);
      const pg = c.ptr(grad, n, 'sgdUpdate grad', F);
      const pb = momentumBuf === null ? 0 : c.ptr(momentumBuf, n, 'sgdUpdate momentumBuf', F);
      const flags = (nesterov ? 1 : 0) | (firstStep ? 2 : 0) | (maximize ? 4 : 0);
      const args = [pp, pg, pb, n, lr, momentum, 1 - dampening, weightDecay, flags];
      if (!c.par('sgdUpdate', 'cp_sgd_task', args, n, opt)) {
        k.cp_sgd(pp, pg, pb, n, lr, momentum, 1 - dampening, weightDecay, flags);
      }
    },

    adamUpdate(a) {
      const { n, lr, beta1, beta2, eps, weightDecay, step } = a;
      const pp = c.ptr(a.param, n, 'adamUpdate param', F);
      const pg = c.ptr(a.grad, n, 'adamUpdate grad', F);
      const pm = c.ptr(a.expAvg, n, 'adamUpdate expAvg', F);
      const pv = c.ptr(a.expAvgSq, n, 'adamUpdate expAvgSq', F);
      const px = a.maxExpAvgSq === null ? 0 : c.ptr(a.maxExpAvgSq, n, 'adamUpdate maxExpAvgSq', F);
      const stepSize = lr / (1 - beta1 ** step);
      const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
      const coupledWd = !a.decoupled && weightDecay !== 0 ? weightDecay : 0;
      const decay = a.decoupled && weightDecay !== 0 ? 1 - lr * weightDecay : 1;
      const flags = (a.decoupled ? 1 : 0) | (a.maximize ? 2 : 0);
      const args = [pp, pg, pm, pv, px, n, beta1, beta2, eps, coupledWd, decay, stepSize, bc2Sqrt, flags];
      if (!c.par('adamUpdate', 'cp_adam_task', args, n, opt)) {
        k.cp_adam(pp, pg, pm, pv, px, n, beta1, beta2, eps, coupledWd, decay, stepSize, bc2Sqrt, flags);
      }
    },

    clamp({ x, out, n, lo, hi }) {
      k.cp_clamp(c.ptr(x, n, 'clamp x', F), c.ptr(out, n, 'clamp out', F), n, lo, hi);
    },

    renormSlices({ x, out, outer, size, inner, lo, hi, rate }) {
      const n = outer * size * inner;
      k.cp_renorm_slices(
        c.ptr(x, n, 'renormSlices x', F),
        c.ptr(out, n, 'renormSlices out', F),
        outer,
        size,
        inner,
        lo,
        hi,
        rate,
      );
    },

    simplexProject({ x, out, rows, cols, radius }) {
      const n = rows * cols;
      const px = c.ptr(x, n, 'simplexProject x', F);
      const po = c.ptr(out, n, 'simplexProject out', F);
      // NOTE: the pointers stay valid across the temp allocation: a grow moves no data, it only detaches views.
      c.withTemp(8 * cols, (scratch) => k.cp_simplex_project(px, po, rows, cols, radius, scratch));
    },

    l1BallProject({ x, out, rows, cols, radius }) {
      const n = rows * cols;
      const px = c.ptr(x, n, 'l1BallProject x', F);
      const po = c.ptr(out, n, 'l1BallProject out', F);
      c.withTemp(8 * cols, (scratch) => k.cp_l1_ball_project(px, po, rows, cols, radius, scratch));
    },

    boxTransform({ raw, out, n, lo, hi, grad, gradOut, slope }) {
      const pr = c.ptr(raw, n, 'boxTransform raw', F);
      const po = c.ptr(out, n, 'boxTransform out', F);
      const withGrad = grad !== null && gradOut !== null;
      // NOTE: an unused pointer is passed as `raw` (never dereferenced: the mode bit is off).
      const pg = withGrad ? c.ptr(grad, n, 'boxTransform grad', F) : pr;
      const pgo = withGrad ? c.ptr(gradOut, n, 'boxTransform gradOut', F) : pr;
      const ps = slope === null ? pr : c.ptr(slope, n, 'boxTransform slope', F);
      k.cp_box_transform(pr, po, n, lo, hi, (withGrad ? 1 : 0) | (slope === null ? 0 : 2), pg, pgo, ps);
    },

    lstmCell({ pre, c: cell, gates, cOut, h, rows, hidden }) {
      const [n, g] = [rows * hidden, 4 * rows * hidden];
      const args = [
        c.ptr(pre, g, 'lstmCell pre', F),
        c.ptr(cell, n, 'lstmCell c', F),
        c.ptr(gates, g, 'lstmCell gates', F),
        c.ptr(cOut, n, 'lstmCell cOut', F),
        c.ptr(h, n, 'lstmCell h', F),
        rows,
        hidden,
      ];
      if (!c.par('lstmCell', 'cp_lstm_cell_task', args, rows, lstmRows(hidden)))
        k.cp_lstm_cell(args[0], args[1], args[2], args[3], args[4], rows, hidden);
    },

    lstmCellBackward({ gates, c: cell, cOut, dh, dc, dpre, dcPrev, rows, hidden }) {
      const [n, g] = [rows * hidden, 4 * rows * hidden];
      const args = [
        c.ptr(gates, g, 'lstmCellBackward gates', F),
        c.ptr(cell, n, 'lstmCellBackward c', F),
        c.ptr(cOut, n, 'lstmCellBackward cOut', F),
        c.ptr(dh, n, 'lstmCellBackward dh', F),
        c.ptr(dc, n, 'lstmCellBackward dc', F),
        c.ptr(dpre, g, 'lstmCellBackward dpre', F),
        c.ptr(dcPrev, n, 'lstmCellBackward dcPrev', F),
        rows,
        hidden,
      ];
      if (!c.par('lstmCellBackward', 'cp_lstm_cell_backward_task', args, rows, lstmRows(hidden))) {
        const [a0, a1, a2, a3, a4, a5, a6] = args;
        k.cp_lstm_cell_backward(a0, a1, a2, a3, a4, a5, a6, rows, hidden);
      }
    },

    syrk({ a, out, batch, n, k: kk, transA }) {
      if (out === a) throw new ArgumentError('wasm backend: syrk out must not be a');
      const pa = c.ptr(a, batch * n * kk, 'syrk a', F);
      const po = c.ptr(out, batch * n * n, 'syrk out', F);
      const ta = transA ? 1 : 0;
      const args = [pa, po, batch, n, kk, ta, SYRK_BAND];
      const big = batch * n * n * kk >= c.grain(MATMUL_MIN_FLOPS, 0);
      const tasks = batch * Math.ceil(n / SYRK_BAND);
      if (!(big && c.parTasks('syrk', 'cp_syrk_task', args, tasks))) k.cp_syrk(pa, po, batch, n, kk, ta, SYRK_BAND);
    },
  };
}
