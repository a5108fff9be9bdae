/**
 * Row-wise softmax, log-softmax, softmax cross-entropy and its gradient over the last axis of a `[rows, cols]`
 * view. Each row subtracts its max and sums exponentials in float64, so every output is rounded once.
 * A row of all -Infinity gives NaN (as in PyTorch); a NaN anywhere in a row makes the row NaN.
 */

/** Exponentials of one row, reused across calls. */
let expRow = new Float64Array(64);

/** The max of `x[base .. base + cols)` (NaN if any element is NaN; -Infinity when cols is 0). */
function rowMax(x: Float32Array, base: number, cols: number): number {
  let m = -Infinity;
  for (let j = base, end = base + cols; j < end; j++) m = Math.max(m, x[j]);
  return m;
}

/** `out[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max))`. */
export function softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  if (expRow.length < cols) expRow = new Float64Array(cols);
  const e = expRow;
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    const m = rowMax(x, base, cols);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = Math.exp(x[base + j] - m);
      e[j] = v;
      sum += v;
    }
    for (let j = 0; j < cols; j++) out[base + j] = e[j] / sum;
  }
}

/** `out[r, :] = (x[r, :] - max) - log(sum(exp(x[r, :] - max)))`. */
export function logSoftmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    const m = rowMax(x, base, cols);
    let sum = 0;
    for (let j = base, end = base + cols; j < end; j++) sum += Math.exp(x[j] - m);
    const logSum = Math.log(sum);
    for (let j = base, end = base + cols; j < end; j++) out[j] = x[j] - m - logSum;
  }
}

/** `out[r] = logsumexp(logits[r, :]) - logits[r, labels[r]]`. */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    const m = rowMax(logits, base, cols);
    let sum = 0;
    for (let j = base, end = base + cols; j < end; j++) sum += Math.exp(logits[j] - m);
    out[r] = Math.log(sum) - (logits[base + labels[r]] - m);
  }
}

/** `out[r, c] = (softmax(logits[r, :])[c] - [c === labels[r]])·grad[r·gradStride]`, in float64, rounded once. */
export function softmaxCrossEntropyBackward(
  logits: Float32Array,
  labels: Int32Array,
  grad: Float32Array,
  gradStride: number,
  out: Float32Array,
  rows: number,
  cols: number,
): void {
  if (expRow.length < cols) expRow = new Float64Array(cols);
  const e = expRow;
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    const m = rowMax(logits, base, cols);
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = Math.exp(logits[base + j] - m);
      e[j] = v;
      sum += v;
    }
    const g = grad[r * gradStride];
    const label = labels[r];
    for (let j = 0; j < cols; j++) out[base + j] = (e[j] / sum - (j === label ? 1 : 0)) * g;
  }
}
