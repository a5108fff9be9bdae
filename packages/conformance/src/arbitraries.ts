/**
 * fast-check arbitraries for the kernel suites: shapes (rank 0-4, dims 0-6, size 0 and 1 included),
 * broadcast-compatible operand shapes and their layouts (collapsed as core sends them, and raw), strided
 * copy layouts, matmul problems, and typed-array data per dtype with per-op value ranges. Float bounds are
 * float32-representable, as `fc.float` requires.
 */
import type { DType, TypedArray } from '@cp/core/backend';
import fc from 'fast-check';

/** Options of `shape`. */
export interface ShapeOptions {
  maxRank?: number;
  maxDim?: number;
  /** Allow size-0 dims (default true). */
  allowZero?: boolean;
  minRank?: number;
}

/** A dim size: mostly 1..maxDim, sometimes 0. */
export function dim(maxDim = 6, allowZero = true): fc.Arbitrary<number> {
  const pos = fc.integer({ min: 1, max: maxDim });
  return allowZero ? fc.oneof({ arbitrary: pos, weight: 6 }, { arbitrary: fc.constant(0), weight: 1 }) : pos;
}

/** A shape of rank `minRank..maxRank` (default 0..4) with dims up to `maxDim` (default 6). */
export function shape(options: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { maxRank = 4, maxDim = 6, allowZero = true, minRank = 0 } = options;
  return fc.array(dim(maxDim, allowZero), { minLength: minRank, maxLength: maxRank });
}

/** Row-major strides of a contiguous shape. */
export function contiguousStrides(s: readonly number[]): number[] {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) {
    out[i] = acc;
    acc *= s[i];
  }
  return out;
}

/** Number of elements of a shape. */
export const sizeOf = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);

/** Strides to read `from` broadcast to `to` (0 on broadcast dims), like core's `broadcastStrides`. */
export function broadcastStrides(from: readonly number[], to: readonly number[]): number[] {
  const src = contiguousStrides(from);
  return to.map((d, j) => {
    const i = j - (to.length - from.length);
    return i < 0 || (from[i] === 1 && d !== 1) ? 0 : src[i];
  });
}

/** An operand shape that broadcasts to `out`: some leading dims dropped, some dims set to 1. */
export function broadcastableTo(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** An elementwise layout: output shape and one strides list per operand. */
export interface ElementwiseLayout {
  /** Operand shapes (each broadcasts to `outShape`). */
  inputs: number[][];
  outShape: number[];
  /** The layout handed to the kernel: collapsed as core does it, or raw (uncollapsed, rank >= 1). */
  shape: number[];
  strides: number[][];
}

/** Merges adjacent dims every operand walks contiguously and drops size-1 dims (core's `collapseLayout`). */
export function collapse(
  shapeIn: readonly number[],
  stridesList: number[][],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shapeIn.length; d++) {
    if (shapeIn[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * shapeIn[d])) {
      outShape[last] *= shapeIn[d];
      stridesList.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shapeIn[d]);
      stridesList.forEach((s, k) => {
        outStrides[k].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: stridesList.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/** `count` operand shapes broadcast together, with a collapsed or raw kernel layout. */
export function elementwiseLayout(count: number, options: ShapeOptions = {}): fc.Arbitrary<ElementwiseLayout> {
  return shape(options).chain((out) =>
    fc
      .tuple(fc.array(broadcastableTo(out), { minLength: count, maxLength: count }), fc.boolean())
      .map(([inputs, raw]) => {
        // NOTE: at least one operand has the full shape, so the output shape is what was drawn.
        inputs[0] = [...out];
        const strides = inputs.map((s) => broadcastStrides(s, out));
        const layout = raw && out.length > 0 ? { shape: [...out], strides } : collapse(out, strides);
        return { inputs, outShape: out, ...layout };
      }),
  );
}

/** Options of typed-array data. */
export interface DataOptions {
  /** float32 range (float32-representable bounds are enforced with Math.fround). */
  min?: number;
  max?: number;
  /** int32 range. */
  intMin?: number;
  intMax?: number;
}

/** Typed-array data of `n` elements of `dtype`; floats are finite (specials have their own tables). */
export function data(dtype: DType, n: number, options: DataOptions = {}): fc.Arbitrary<TypedArray> {
  if (dtype === 'float32') {
    const min = Math.fround(options.min ?? -1e4);
    const max = Math.fround(options.max ?? 1e4);
    return fc.float32Array({ minLength: n, maxLength: n, min, max, noNaN: true, noDefaultInfinity: true });
  }
  if (dtype === 'int32') {
    const wide = fc.int32Array({ minLength: n, maxLength: n, min: options.intMin, max: options.intMax });
    const small = fc.int32Array({
      minLength: n,
      maxLength: n,
      min: Math.max(options.intMin ?? -20, -20),
      max: Math.min(options.intMax ?? 20, 20),
    });
    return fc.oneof(small, wide);
  }
  return fc.uint8Array({ minLength: n, maxLength: n, min: 0, max: 1 });
}

/** A permutation of `0..n-1`. */
export function permutation(n: number): fc.Arbitrary<number[]> {
  return fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((keys) =>
    keys
      .map((k, i) => [k, i] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, i]) => i),
  );
}

/** A `copyStrided` problem: any non-negative source strides/offset; a destination that never aliases itself. */
export interface StridedCopy {
  shape: number[];
  xOffset: number;
  xStrides: number[];
  xSize: number;
  outOffset: number;
  outStrides: number[];
  outSize: number;
}

/** Strided copy layouts: sources may repeat elements (stride 0), skip (step) or run backwards in memory order. */
export function stridedCopy(options: ShapeOptions = {}): fc.Arbitrary<StridedCopy> {
  return shape({ maxRank: 4, maxDim: 5, ...options }).chain((s) =>
    fc
      .record({
        xStrides: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: s.length, maxLength: s.length }),
        xOffset: fc.integer({ min: 0, max: 4 }),
        perm: permutation(s.length),
        gap: fc.integer({ min: 1, max: 2 }),
        outOffset: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ xStrides, xOffset, perm, gap, outOffset }) => {
        // Destination: a permuted contiguous layout (innermost spaced by `gap`), so each element is written once.
        const permShape = perm.map((p) => s[p]);
        const permStrides = contiguousStrides(permShape).map((v) => v * gap);
        const outStrides = new Array<number>(s.length);
        perm.forEach((p, i) => {
          outStrides[p] = permStrides[i];
        });
        const extent = (strides: number[]) =>
          sizeOf(s) === 0 ? 0 : 1 + s.reduce((a, d, i) => a + (d - 1) * strides[i], 0);
        return {
          shape: s,
          xOffset,
          xStrides,
          xSize: xOffset + extent(xStrides),
          outOffset,
          outStrides,
          outSize: outOffset + extent(outStrides) + 2,
        };
      }),
  );
}

/** A batched matmul problem (sizes 0..5, batch strides 0, packed or padded). */
export interface MatmulProblem {
  batch: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  aBatchStride: number;
  bBatchStride: number;
  aSize: number;
  bSize: number;
}

/** Matmul problems, including empty dims, size-1 dims and broadcast (stride 0) batches. */
export function matmulProblem(maxDim = 5): fc.Arbitrary<MatmulProblem> {
  const d = fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: maxDim }), weight: 6 },
    { arbitrary: fc.constant(0), weight: 1 },
  );
  const strideKind = fc.constantFrom('packed', 'broadcast', 'padded');
  return fc
    .record({
      batch: fc.integer({ min: 0, max: 3 }),
      m: d,
      k: d,
      n: d,
      transA: fc.boolean(),
      transB: fc.boolean(),
      sa: strideKind,
      sb: strideKind,
    })
    .map(({ batch, m, k, n, transA, transB, sa, sb }) => {
      const stride = (kind: string, size: number) => (kind === 'broadcast' ? 0 : kind === 'padded' ? size + 3 : size);
      const aBatchStride = stride(sa, m * k);
      const bBatchStride = stride(sb, k * n);
      const span = (s: number, size: number) => (batch === 0 ? 0 : (batch - 1) * s + size);
      return {
        batch,
        m,
        k,
        n,
        transA,
        transB,
        aBatchStride,
        bBatchStride,
        aSize: span(aBatchStride, m * k),
        bSize: span(bBatchStride, k * n),
      };
    });
}

/** `[outer, size, inner]` for reductions (each 0..5; `minSize` for max/min/argReduce). */
export function reduceDims(minSize = 0): fc.Arbitrary<{ outer: number; size: number; inner: number }> {
  return fc.record({
    outer: fc.integer({ min: 0, max: 4 }),
    size: fc.integer({ min: minSize, max: 6 }),
    inner: fc.integer({ min: 0, max: 4 }),
  });
}
