/**
 * The symmetric product `out[t] = op(A[t])·op(A[t])ᵀ`: bands of rows, each computed only on and right of the
 * diagonal by the matmul kernel (`op(A)ᵀ` is a strided view of A, so nothing is copied), then mirrored into
 * the lower triangle, so the result is exactly symmetric at half the multiply-adds of the full product.
 */
import { gemm, type Operand } from './matmul.js';

/** Rows per band: the lower triangle's share of a band's own diagonal block is the work wasted. */
const BAND = 32;
/** One band's `[hi - lo, n - lo]` block, reused across calls (kernels run synchronously, one at a time). */
let band = new Float32Array(BAND * 64);

/** Batched syrk; `A[t]` is stored `[n, k]` (`[k, n]` when transA) at `t·n·k`, `out[t]` at `t·n·n`. */
export function syrk(a: Float32Array, out: Float32Array, batch: number, n: number, k: number, transA: boolean): void {
  const rs = transA ? 1 : k;
  const cs = transA ? n : 1;
  for (let t = 0; t < batch; t++) {
    const base = t * n * n;
    for (let lo = 0; lo < n; lo += BAND) {
      const hi = Math.min(n, lo + BAND);
      const rows: Operand = { data: a, off: t * n * k + lo * rs, rs, cs };
      const cols: Operand = { data: a, off: rows.off, rs: cs, cs: rs };
      if (band.length < (hi - lo) * (n - lo)) band = new Float32Array((hi - lo) * (n - lo));
      gemm(rows, cols, band, 0, hi - lo, k, n - lo);
      for (let i = lo; i < hi; i++) {
        const src = (i - lo) * (n - lo) + (i - lo);
        for (let j = i; j < n; j++) {
          const v = band[src + j - i];
          out[base + i * n + j] = v;
          out[base + j * n + i] = v;
        }
      }
    }
  }
}
