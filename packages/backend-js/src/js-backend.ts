/**
 * The js backend: a handle table of typed arrays plus the kernel table that resolves handles and
 * dispatches on dtype to the pure typed-array functions in `kernels/`. Every kernel is synchronous.
 */
import { ArgumentError } from '@cp/core';
import type { Backend, FusedKernels, Kernels } from '@cp/core/backend';
import { UnsupportedDTypeError } from './errors.js';
import { binaryF32, binaryI32 } from './kernels/binary.js';
import { binaryScalarF32, binaryScalarI32 } from './kernels/binary-scalar.js';
import { boxTransform } from './kernels/box-transform.js';
import { cast, toInt32Saturating } from './kernels/cast.js';
import { compare } from './kernels/compare.js';
import { copyStrided, fill } from './kernels/copy-strided.js';
import { gather, scatterAdd } from './kernels/gather.js';
import { lstmCell, lstmCellBackward } from './kernels/lstm-cell.js';
import { matmul } from './kernels/matmul.js';
import { adamUpdate, sgdUpdate } from './kernels/optimizer-updates.js';
import { clamp, renormSlices } from './kernels/projections.js';
import { argReduce, reduceFloat, reduceI32 } from './kernels/reduce.js';
import { l1BallProject, simplexProject } from './kernels/simplex.js';
import { logSoftmax, softmax, softmaxCrossEntropy, softmaxCrossEntropyBackward } from './kernels/softmax.js';
import { argsort, scan } from './kernels/sort-scan.js';
import { syrk } from './kernels/syrk.js';
import { unaryF32, unaryI32 } from './kernels/unary.js';
import { where } from './kernels/where.js';
import { defaultMaxBytes } from './memory-limit.js';
import { Storage } from './storage.js';

/** The required kernels over one storage. */
function makeKernels(st: Storage): Kernels {
  return {
    unary({ op, dtype, x, out, n }) {
      if (dtype === 'float32') unaryF32(op, st.f32(x, 'unary'), st.f32(out, 'unary'), n);
      else if (dtype === 'int32') unaryI32(op, st.i32(x, 'unary'), st.i32(out, 'unary'), n);
      else throw new UnsupportedDTypeError('unary', op, dtype);
    },
    binary({ op, dtype, shape, a, b, out, aStrides, bStrides }) {
      if (dtype === 'float32') {
        binaryF32(op, shape, st.f32(a, 'binary'), aStrides, st.f32(b, 'binary'), bStrides, st.f32(out, 'binary'));
      } else if (dtype === 'int32') {
        binaryI32(op, shape, st.i32(a, 'binary'), aStrides, st.i32(b, 'binary'), bStrides, st.i32(out, 'binary'));
      } else {
        throw new UnsupportedDTypeError('binary', op, dtype);
      }
    },
    binaryScalar({ op, dtype, x, scalar, reverse, out, n }) {
      if (dtype === 'float32') {
        // NOTE: the scalar is a float32 operand like any other (the contract converts it to the dtype first).
        binaryScalarF32(op, st.f32(x, 'binaryScalar'), Math.fround(scalar), reverse, st.f32(out, 'binaryScalar'), n);
      } else if (dtype === 'int32') {
        const s = toInt32Saturating(scalar);
        binaryScalarI32(op, st.i32(x, 'binaryScalar'), s, reverse, st.i32(out, 'binaryScalar'), n);
      } else {
        throw new UnsupportedDTypeError('binaryScalar', op, dtype);
      }
    },
    compare({ op, shape, a, b, out, aStrides, bStrides }) {
      compare(op, shape, st.get(a, 'compare'), aStrides, st.get(b, 'compare'), bStrides, st.bool(out, 'compare'));
    },
    where({ shape, cond, a, b, out, condStrides, aStrides, bStrides }) {
      const c = st.bool(cond, 'where');
      where(shape, c, condStrides, st.get(a, 'where'), aStrides, st.get(b, 'where'), bStrides, st.get(out, 'where'));
    },
    cast({ x, from, to, out, n }) {
      cast(st.get(x, 'cast'), from, to, st.get(out, 'cast'), n);
    },
    reduce({ op, dtype, x, out, outer, size, inner }) {
      if (dtype === 'int32') reduceI32(op, st.i32(x, 'reduce'), st.i32(out, 'reduce'), outer, size, inner);
      else reduceFloat(op, st.get(x, 'reduce'), st.get(out, 'reduce'), outer, size, inner);
    },
    argReduce({ op, x, out, outer, size, inner }) {
      argReduce(op, st.get(x, 'argReduce'), st.i32(out, 'argReduce'), outer, size, inner);
    },
    matmul({ a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride }) {
      const A = st.f32(a, 'matmul');
      const B = st.f32(b, 'matmul');
      matmul(A, B, st.f32(out, 'matmul'), batch, m, k, n, transA, transB, aBatchStride, bBatchStride);
    },
    copyStrided({ x, xOffset, xStrides, out, outOffset, outStrides, shape }) {
      copyStrided(
        st.get(x, 'copyStrided'),
        xOffset,
        xStrides,
        st.get(out, 'copyStrided'),
        outOffset,
        outStrides,
        shape,
      );
    },
    fill({ dtype, out, offset, n, value }) {
      fill(st.get(out, 'fill'), dtype, offset, n, value);
    },
    gather({ x, index, out, outer, size, inner, count, indexStrides }) {
      const idx = st.i32(index, 'gather');
      gather(st.get(x, 'gather'), idx, st.get(out, 'gather'), outer, size, inner, count, indexStrides);
    },
    scatterAdd({ src, index, out, outer, size, inner, count, indexStrides }) {
      const idx = st.i32(index, 'scatterAdd');
      scatterAdd(st.get(src, 'scatterAdd'), idx, st.get(out, 'scatterAdd'), outer, size, inner, count, indexStrides);
    },
    scan({ op, dtype, x, out, outer, size, inner }) {
      if (dtype === 'bool') throw new UnsupportedDTypeError('scan', op, dtype);
      scan(op, st.get(x, 'scan'), st.get(out, 'scan'), outer, size, inner);
    },
    argsort({ dtype, x, out, rows, cols, descending }) {
      if (dtype === 'bool') throw new UnsupportedDTypeError('argsort', 'sort', dtype);
      argsort(st.get(x, 'argsort'), st.i32(out, 'argsort'), rows, cols, descending);
    },
  };
}

/** Every optional fused kernel over one storage. */
function makeFused(st: Storage): Required<FusedKernels> {
  return {
    softmax({ x, out, rows, cols }) {
      softmax(st.f32(x, 'softmax'), st.f32(out, 'softmax'), rows, cols);
    },
    logSoftmax({ x, out, rows, cols }) {
      logSoftmax(st.f32(x, 'logSoftmax'), st.f32(out, 'logSoftmax'), rows, cols);
    },
    softmaxCrossEntropy({ logits, labels, out, rows, cols }) {
      const op = 'softmaxCrossEntropy';
      softmaxCrossEntropy(st.f32(logits, op), st.i32(labels, op), st.f32(out, op), rows, cols);
    },
    sgdUpdate(args) {
      const { param, grad, momentumBuf, n } = args;
      const buf = momentumBuf === null ? null : st.f32(momentumBuf, 'sgdUpdate');
      sgdUpdate(st.f32(param, 'sgdUpdate'), st.f32(grad, 'sgdUpdate'), buf, n, args);
    },
    adamUpdate(args) {
      const op = 'adamUpdate';
      const { param, grad, expAvg, expAvgSq, maxExpAvgSq, n } = args;
      const vmax = maxExpAvgSq === null ? null : st.f32(maxExpAvgSq, op);
      adamUpdate(st.f32(param, op), st.f32(grad, op), st.f32(expAvg, op), st.f32(expAvgSq, op), vmax, n, args);
    },
    softmaxCrossEntropyBackward({ logits, labels, grad, gradStride, out, rows, cols }) {
      const op = 'softmaxCrossEntropyBackward';
      const [x, l, g, o] = [st.f32(logits, op), st.i32(labels, op), st.f32(grad, op), st.f32(out, op)];
      softmaxCrossEntropyBackward(x, l, g, gradStride, o, rows, cols);
    },

    reluBackward({ x, grad, out, n }) {
      const [xs, gs, os] = [st.f32(x, 'reluBackward'), st.f32(grad, 'reluBackward'), st.f32(out, 'reluBackward')];
      // NOTE: NaN > 0 is false, so a NaN input gives 0, like where(x > 0, g, 0).
      for (let i = 0; i < n; i++) os[i] = xs[i] > 0 ? gs[i] : 0;
    },

    clamp({ x, out, n, lo, hi }) {
      clamp(st.f32(x, 'clamp'), st.f32(out, 'clamp'), n, lo, hi);
    },
    renormSlices({ x, out, outer, size, inner, lo, hi, rate }) {
      renormSlices(st.f32(x, 'renormSlices'), st.f32(out, 'renormSlices'), outer, size, inner, lo, hi, rate);
    },
    simplexProject({ x, out, rows, cols, radius }) {
      simplexProject(st.f32(x, 'simplexProject'), st.f32(out, 'simplexProject'), rows, cols, radius);
    },
    l1BallProject({ x, out, rows, cols, radius }) {
      l1BallProject(st.f32(x, 'l1BallProject'), st.f32(out, 'l1BallProject'), rows, cols, radius);
    },
    boxTransform({ raw, out, n, lo, hi, grad, gradOut, slope }) {
      const op = 'boxTransform';
      const g = grad === null || gradOut === null ? null : { grad: st.f32(grad, op), out: st.f32(gradOut, op) };
      boxTransform(st.f32(raw, op), st.f32(out, op), n, lo, hi, g, slope === null ? null : st.f32(slope, op));
    },
    lstmCell({ pre, c, gates, cOut, h, rows, hidden }) {
      const f = (x: number) => st.f32(x, 'lstmCell');
      lstmCell(f(pre), f(c), f(gates), f(cOut), f(h), rows, hidden);
    },
    lstmCellBackward({ gates, c, cOut, dh, dc, dpre, dcPrev, rows, hidden }) {
      const f = (x: number) => st.f32(x, 'lstmCellBackward');
      lstmCellBackward(f(gates), f(c), f(cOut), f(dh), f(dc), f(dpre), f(dcPrev), rows, hidden);
    },
    syrk({ a, out, batch, n, k, transA }) {
      if (out === a) throw new ArgumentError('js backend: syrk out must not be a');
      syrk(st.f32(a, 'syrk'), st.f32(out, 'syrk'), batch, n, k, transA);
    },
  };
}

/** Options of `createJsBackend`. */
export interface JsBackendOptions {
  /**
   * The most bytes the backend's live storage may hold (default: the smaller of 4 GiB and half the host's
   * memory). An allocation beyond it throws `OutOfMemoryError` instead of letting the OS kill the process.
   */
  maxBytes?: number;
}

/** Makes an independent js backend with its own storage. */
export function createJsBackend(options: JsBackendOptions = {}): Backend {
  const maxBytes = options.maxBytes ?? defaultMaxBytes();
  if (typeof maxBytes !== 'number' || !(maxBytes > 0)) {
    throw new ArgumentError(`createJsBackend: maxBytes must be a positive number of bytes, got ${String(maxBytes)}`);
  }
  const st = new Storage(maxBytes);
  return {
    name: 'js',
    capabilities: { sync: true, inPlace: true },
    alloc: (dtype, size) => st.alloc(dtype, size),
    free: (handle) => st.free(handle),
    write: (handle, data, offset) => st.write(handle, data, offset),
    readSync: (handle) => st.read(handle),
    read: (handle) => new Promise((resolve) => resolve(st.read(handle))),
    stats: () => st.stats(),
    kernels: makeKernels(st),
    fused: makeFused(st),
    dispose: () => st.clear(),
  };
}
