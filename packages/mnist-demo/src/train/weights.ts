/** Per-unit norms of a weight matrix, read back from the backend (for the report's histograms). */
import type { Tensor } from '@cp/core';

/** The L2 norm of every row of a 2-D `[out, in]` weight: each output unit's incoming weights. */
export function rowNorms(weight: Tensor): number[] {
  if (weight.shape.length !== 2)
    throw new Error(`rowNorms: expected a 2-D weight, got shape [${weight.shape.join(', ')}]`);
  const [rows, cols] = weight.shape;
  const data = weight.dataSync();
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = r * cols; c < (r + 1) * cols; c++) s += data[c] * data[c];
    out.push(Math.sqrt(s));
  }
  return out;
}
