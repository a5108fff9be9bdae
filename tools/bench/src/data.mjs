/**
 * Inputs every engine gets (the same seeded numbers, as Float32Array/Int32Array) and the float64 checks
 * that run before timing, so a broken kernel cannot look fast.
 */

/** A small seeded PRNG (mulberry32): uniform floats in [0, 1). */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard normal float32 values (Box–Muller). */
export function randnF32(n, seed) {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

/** `n` uniform float32 values in [0, 1). */
export function randF32(n, seed) {
  const u = rng(seed);
  return Float32Array.from({ length: n }, () => u());
}

/** Matmul inputs: A and B, both N×N row-major, standard normal. */
export function matmulInputs(n) {
  return { a: randnF32(n * n, 11 + n), b: randnF32(n * n, 23 + n) };
}

/** Elementwise inputs: a, b, c of 2^20 standard normal values (random signs, so relu branches). */
export const ELEMENTWISE_SIZE = 1 << 20;
export function elementwiseInputs() {
  const n = ELEMENTWISE_SIZE;
  return { a: randnF32(n, 1), b: randnF32(n, 2), c: randnF32(n, 3) };
}

/** The MLP of the issue: 784-256-128-10, batch 128. */
export const MLP = { sizes: [784, 256, 128, 10], batch: 128, lr: 1e-3 };

/** One batch: pixels in [0, 1) (MNIST-like) and int32 labels in [0, 10). */
export function mlpInputs() {
  const { sizes, batch } = MLP;
  const x = randF32(batch * sizes[0], 5);
  const u = rng(7);
  const labels = Int32Array.from({ length: batch }, () => Math.floor(u() * sizes[sizes.length - 1]));
  return { x, labels };
}

/**
 * The CNN of issue 10: conv 1->16 3x3, ReLU, maxPool 2, conv 16->32 3x3, ReLU, maxPool 2, Linear 800->10,
 * on batch 64 of 28x28 images, Adam.
 */
export const CNN = { batch: 64, side: 28, classes: 10, lr: 1e-3 };

/** One batch: pixels in [0, 1) and int32 labels in [0, 10). */
export function cnnInputs() {
  const { batch, side, classes } = CNN;
  const x = randF32(batch * side * side, 11);
  const u = rng(13);
  const labels = Int32Array.from({ length: batch }, () => Math.floor(u() * classes));
  return { x, labels };
}

/**
 * The LSTM of issue 10: MNIST rows as a sequence (28 steps of 28 inputs, batch-first), LSTM hidden 128,
 * Linear 128->10 on the last step's hidden state, batch 64, Adam. Inputs are `cnnInputs()` read as
 * `[batch, steps, features]`.
 */
export const LSTM = { batch: 64, steps: 28, features: 28, hidden: 128, classes: 10, lr: 1e-3 };

/**
 * The patch transformer of issue 10: each 28x28 image cut into 16 patches of 7x7 (49 pixels, row-major
 * patch order), a Linear 49->64 patch embedding plus a learned position embedding `[16, 64]`, 2 post-norm
 * encoder layers (PyTorch's TransformerEncoderLayer: 4 heads of 16, ReLU feed-forward 64->128->64,
 * LayerNorm eps 1e-5, no dropout), mean over the tokens, Linear 64->10, batch 64, Adam.
 */
export const VIT = {
  batch: 64,
  tokens: 16,
  patch: 7,
  dim: 64,
  layers: 2,
  heads: 4,
  ff: 128,
  classes: 10,
  lr: 1e-3,
};

/**
 * The CNN batch cut into patches on the host (input preparation, not timed): `[batch, 16, 49]`, patch
 * `(pi, pj)` is token `pi·4 + pj` and holds its 7x7 pixels row-major.
 */
export function vitInputs() {
  const { x, labels } = cnnInputs();
  const { batch, patch } = VIT;
  const side = CNN.side;
  const per = side / patch;
  const out = new Float32Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let pi = 0; pi < per; pi++)
      for (let pj = 0; pj < per; pj++)
        for (let r = 0; r < patch; r++)
          for (let c = 0; c < patch; c++) {
            const token = pi * per + pj;
            const src = b * side * side + (pi * patch + r) * side + pj * patch + c;
            out[((b * per * per + token) * patch + r) * patch + c] = x[src];
          }
  return { x: out, labels };
}

/** One-hot float32 [batch, classes] of int labels. */
export function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => {
    out[i * classes + l] = 1;
  });
  return out;
}

/** `count` distinct-ish sample indices in [0, n), seeded. */
function sampleIndices(n, count, seed) {
  const u = rng(seed);
  const idx = [0, n - 1];
  while (idx.length < count) idx.push(Math.floor(u() * n));
  return idx;
}

/**
 * Checks `got` (C = A·B, N×N) against float64 on 16 entries. The tolerance scales with Σ|a_ik·b_kj|, the
 * float32 accumulation error bound, so a right kernel passes and a wrong one (errors of order |C|) fails.
 * @returns {{ ok: boolean, maxErr: number, detail?: string }}
 */
export function checkMatmul(a, b, n, got) {
  if (!got || got.length !== n * n)
    return { ok: false, maxErr: Number.NaN, detail: `result has ${got?.length} elements, expected ${n * n}` };
  let maxErr = 0;
  for (const flat of sampleIndices(n * n, 16, 99)) {
    const i = Math.floor(flat / n);
    const j = flat % n;
    let ref = 0;
    let abs = 0;
    for (let k = 0; k < n; k++) {
      const p = a[i * n + k] * b[k * n + j];
      ref += p;
      abs += Math.abs(p);
    }
    const err = Math.abs(got[flat] - ref) / abs;
    if (!(err <= 1e-4)) return { ok: false, maxErr: err, detail: `C[${i},${j}] = ${got[flat]}, float64 gives ${ref}` };
    maxErr = Math.max(maxErr, err);
  }
  return { ok: true, maxErr };
}

/** Checks `got` = relu(a*b + c) against float64 on 16 entries (bound: a few float32 roundings). */
export function checkElementwise(a, b, c, got) {
  const n = a.length;
  if (!got || got.length !== n)
    return { ok: false, maxErr: Number.NaN, detail: `result has ${got?.length} elements, expected ${n}` };
  let maxErr = 0;
  for (const i of sampleIndices(n, 16, 98)) {
    const ref = Math.max(a[i] * b[i] + c[i], 0);
    const scale = Math.abs(a[i] * b[i]) + Math.abs(c[i]) + 1e-30;
    const err = Math.abs(got[i] - ref) / scale;
    if (!(err <= 4 * 2 ** -24))
      return { ok: false, maxErr: err, detail: `out[${i}] = ${got[i]}, float64 gives ${ref}` };
    maxErr = Math.max(maxErr, err);
  }
  return { ok: true, maxErr };
}

/**
 * Checks an MLP run: the first loss of random weights on 10 classes is near ln 10, every loss is finite,
 * and training on one fixed batch lowers it.
 */
export function checkMlp(losses) {
  const first = losses[0];
  const last = losses[losses.length - 1];
  if (!losses.every(Number.isFinite))
    return { ok: false, detail: `non-finite loss: ${losses.find((l) => !Number.isFinite(l))}` };
  if (!(first > 1.5 && first < 4)) return { ok: false, detail: `first loss ${first}, expected near ln 10 = 2.30` };
  if (losses.length > 5 && !(last < first)) return { ok: false, detail: `loss did not decrease: ${first} -> ${last}` };
  return { ok: true, first, last };
}
