/**
 * Batched float32 matmul. Large products use a cache-blocked kernel (GotoBLAS loop order): B and A
 * blocks are packed into float64 micro-panels, which also absorbs transA/transB, so the 4x4
 * register-tiled micro-kernel always reads unit-stride. Small or skinny products use plain loops.
 * Accumulation is float64; the result is rounded into float32 once per KC-long slice of k.
 */

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 2048;

/** Packed panels, reused across calls (kernels run synchronously, one at a time). */
let aPanel = new Float64Array(MC * KC);
let bPanel = new Float64Array(NC * KC);
/** The 4x4 tile of an edge block, before its valid part is added to C. */
const edgeTile = new Float64Array(MR * NR);

/** One strided matrix operand: element (r, c) is at `off + r * rs + c * cs`. */
export interface Operand {
  data: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/** Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row micro-panels, zero-padded. */
function packA(A: Operand, i0: number, p0: number, mc: number, kc: number, ap: Float64Array): void {
  const { data, rs, cs } = A;
  let q = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    let base = A.off + (i0 + ir) * rs + p0 * cs;
    for (let p = 0; p < kc; p++, base += cs) {
      let r = 0;
      for (let at = base; r < mr; r++, at += rs) ap[q++] = data[at];
      for (; r < MR; r++) ap[q++] = 0;
    }
  }
}

/** Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column micro-panels, zero-padded. */
function packB(B: Operand, p0: number, j0: number, kc: number, nc: number, bp: Float64Array): void {
  const { data, rs, cs } = B;
  let q = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    let base = B.off + p0 * rs + (j0 + jr) * cs;
    for (let p = 0; p < kc; p++, base += rs) {
      let c = 0;
      for (let at = base; c < nr; c++, at += cs) bp[q++] = data[at];
      for (; c < NR; c++) bp[q++] = 0;
    }
  }
}

// biome-ignore format: the 4x4 register tile reads best as a grid
/** C[ci..] += (A micro-panel)·(B micro-panel) over kc; only the top-left mr x nr of the tile is stored. */
function micro4x4(
  ap: Float64Array,
  ai: number,
  bp: Float64Array,
  bi: number,
  kc: number,
  c: Float32Array,
  ci: number,
  ldc: number,
  mr: number,
  nr: number,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  const end = ai + kc * MR;
  for (; ai < end; ai += MR, bi += NR) {
    const a0 = ap[ai], a1 = ap[ai + 1], a2 = ap[ai + 2], a3 = ap[ai + 3];
    const b0 = bp[bi], b1 = bp[bi + 1], b2 = bp[bi + 2], b3 = bp[bi + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    c[ci] += c00; c[ci + 1] += c01; c[ci + 2] += c02; c[ci + 3] += c03; ci += ldc;
    c[ci] += c10; c[ci + 1] += c11; c[ci + 2] += c12; c[ci + 3] += c13; ci += ldc;
    c[ci] += c20; c[ci + 1] += c21; c[ci + 2] += c22; c[ci + 3] += c23; ci += ldc;
    c[ci] += c30; c[ci + 1] += c31; c[ci + 2] += c32; c[ci + 3] += c33;
    return;
  }
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03; t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23; t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let r = 0; r < mr; r++, ci += ldc) for (let j = 0; j < nr; j++) c[ci + j] += t[r * NR + j];
}

/** C (m x n, row-major at `cOff`) = A·B with the cache-blocked kernel. */
function gemmBlocked(A: Operand, B: Operand, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  c.fill(0, cOff, cOff + m * n);
  const kcMax = Math.min(KC, k);
  const aNeed = Math.ceil(Math.min(MC, m) / MR) * MR * kcMax;
  const bNeed = Math.ceil(Math.min(NC, n) / NR) * NR * kcMax;
  if (aPanel.length < aNeed) aPanel = new Float64Array(aNeed);
  if (bPanel.length < bNeed) bPanel = new Float64Array(bNeed);
  const ap = aPanel;
  const bp = bPanel;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(B, pc, jc, kc, nc, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(A, ic, pc, mc, kc, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bi = jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            micro4x4(ap, ir * kc, bp, bi, kc, c, cOff + (ic + ir) * n + jc + jr, n, Math.min(MR, mc - ir), nr);
          }
        }
      }
    }
  }
}

/** Row accumulator of the small-product path, reused across calls. */
let rowAcc = new Float64Array(64);

/** C = A·B with plain loops: row-times-B (axpy) when B rows are unit-stride, else dot products. */
function gemmSmall(A: Operand, B: Operand, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  const { data: a, off: aOff, rs: ars, cs: acs } = A;
  const { data: b, off: bOff, rs: brs, cs: bcs } = B;
  if (bcs === 1) {
    if (rowAcc.length < n) rowAcc = new Float64Array(n);
    const acc = rowAcc;
    for (let i = 0; i < m; i++) {
      acc.fill(0, 0, n);
      for (let p = 0, ai = aOff + i * ars, bRow = bOff; p < k; p++, ai += acs, bRow += brs) {
        const av = a[ai];
        for (let j = 0; j < n; j++) acc[j] += av * b[bRow + j];
      }
      const ci = cOff + i * n;
      for (let j = 0; j < n; j++) c[ci + j] = acc[j];
    }
    return;
  }
  for (let i = 0, ci = cOff; i < m; i++) {
    const aRow = aOff + i * ars;
    for (let j = 0; j < n; j++, ci++) {
      let s = 0;
      for (let p = 0, ai = aRow, bi = bOff + j * bcs; p < k; p++, ai += acs, bi += brs) s += a[ai] * b[bi];
      c[ci] = s;
    }
  }
}

/** Products at least this large (m·n·k), with m and n at least MR and NR, take the blocked kernel. */
const BLOCKED_MIN_WORK = 16384;

/** C (m x n at `cOff`) = A·B for one pair of strided operands. */
export function gemm(A: Operand, B: Operand, c: Float32Array, cOff: number, m: number, k: number, n: number): void {
  if (m >= MR && n >= NR && m * n * k >= BLOCKED_MIN_WORK) gemmBlocked(A, B, c, cOff, m, k, n);
  else gemmSmall(A, B, c, cOff, m, k, n);
}

/**
 * `out[t] = A[t]·B[t]` for every batch t, with A stored `[m, k]` (`[k, m]` when transA) at
 * `t * aBatchStride` and B stored `[k, n]` (`[n, k]` when transB) at `t * bBatchStride`.
 */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  batch: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  aBatchStride: number,
  bBatchStride: number,
): void {
  const A: Operand = { data: a, off: 0, rs: transA ? 1 : k, cs: transA ? m : 1 };
  const B: Operand = { data: b, off: 0, rs: transB ? 1 : n, cs: transB ? k : 1 };
  if (batch > 1 && bBatchStride === 0 && !transA && aBatchStride === m * k) {
    // A shared B under contiguous A batches is one tall product: [batch·m, k]·[k, n].
    gemm(A, B, out, 0, batch * m, k, n);
    return;
  }
  for (let t = 0; t < batch; t++) {
    A.off = t * aBatchStride;
    B.off = t * bBatchStride;
    gemm(A, B, out, t * m * n, m, k, n);
  }
}
