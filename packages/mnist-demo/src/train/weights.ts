/** Per-unit norms of a weight, read back from the backend (for the report's histograms). */
import type { Tensor } from '@cp/core';

/**
 * The L2 norm of every slice along the first dim of a weight of 2 or more dims: each output unit's incoming
 * weights for a Linear `[out, in]`, each filter for a conv kernel `[out, in, kH, kW]`, each gate unit's
 * row for a recurrent `[4·H, in]` weight.
 */
export function rowNorms(weight: Tensor): number[] {
  if (weight.shape.length < 2)
    throw new Error(`rowNorms: expected a weight of 2 or more dims, got shape [${weight.shape.join(', ')}]`);
  const rows = weight.shape[0];
  const cols = weight.size / rows;
  const data = weight.dataSync();
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = r * cols; c < (r + 1) * cols; c++) s += data[c] * data[c];
    out.push(Math.sqrt(s));
  }
  return out;
}
