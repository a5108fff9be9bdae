/**
 * `spectralNorm(maxSigma, { nPowerIterations })`: the largest singular value of a weight, viewed as the matrix
 * `[out, in·kH·kW...]` as `torch.nn.utils.spectral_norm` views it, is at most `maxSigma`. σ is estimated by power
 * iteration with persistent vectors u, v (torch's update: `u = normalize(W v)`, `v = normalize(Wᵀ u)`, then
 * `σ̂ = uᵀ W v`), kept in the constraint object per matrix shape and carried by its spec. σ̂ <= σ, and it reaches σ
 * as the vectors converge over steps. The project mode accelerates the iteration (Lanczos on WᵀW from the same v,
 * with the same number of products with W), which is exact in one step once `nPowerIterations >= min(out, in)`.
 * - project: `W ← W · maxSigma/σ̂` when σ̂ > maxSigma (float64 on a host copy); a W with σ <= maxSigma keeps its
 *   bits. It divides by the estimate, so it is exact once the vectors have converged. It is a scaling, not the
 *   Euclidean projection (that clips every singular value above maxSigma and needs an SVD).
 * - reparametrize: `W = V / max(1, σ̂(V)/maxSigma)` with u, v constants in the gradient, like torch's
 *   parametrization (which is `V / σ̂`, the case maxSigma = 1 with σ̂ > 1).
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { ArgumentError, fmtShape } from '../../errors.js';
import { tensor } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Constraint, ConstraintError, type JsonValue } from '../constraint.js';
import { writeHost } from '../host.js';
import { checkNumber, checkOptions, describeValue } from './args.js';
import { lanczosTop, largestSingularValue, matTVec, matVec, normalizeInPlace } from './linalg64.js';
import { roundingBand } from './slices.js';

/** Options of `spectralNorm`. */
export interface SpectralNormOptions {
  /** Power iterations per step (per projection, or per evaluation of the transform); default 1, as in torch. */
  nPowerIterations?: number;
}

/** The persistent power-iteration vectors of one matrix shape. */
export interface PowerVectors {
  /** Length `rows` (the output dim). */
  u: Float64Array;
  /** Length `cols` (the product of the other dims). */
  v: Float64Array;
}

/** Iterations run when a shape's vectors are made, as torch runs at registration. */
const WARMUP = 15;
const NUDGE = 2 ** -24;
/** The largest Krylov space one Lanczos block of the project mode builds (its eigen step is O(k³)). */
const MAX_KRYLOV = 64;
/** The matrix size from which the reparametrization's power steps run on the backend instead of the host. */
const DEVICE_SIZE = 2 ** 14;

/** `x`'s values in float64 (one read), or null when one is NaN or infinite. */
function hostMatrix(x: Tensor): Float64Array | null {
  const data = x.dataSync() as Float32Array;
  const a = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const e = data[i];
    if (e - e !== 0) return null;
    a[i] = e;
  }
  return a;
}

/** A host vector as a float32 tensor of `shape` on `like`'s backend. */
function onDevice(x: Float64Array, shape: number[], like: Tensor): Tensor {
  return tensor(Float32Array.from(x), { shape, backend: like.backend });
}

/** Reads back a small result as float64, or raises when it is not finite (the matrix had NaN or ±Infinity). */
function readVector(t: Tensor, w: Tensor): Float64Array {
  const out = Float64Array.from(t.dataSync() as Float32Array);
  for (const e of out)
    if (e - e !== 0)
      throw new ConstraintError(`spectralNorm: the matrix of shape ${fmtShape(w.shape)} has non-finite entries`);
  return out;
}

/** `steps` power steps in torch's order with the products `W v` and `uᵀ W` on the backend; two small reads each. */
function deviceSteps(w: Tensor, st: PowerVectors, steps: number): void {
  const [rows, cols] = w.shape;
  for (let i = 0; i < steps; i++) {
    st.u = readVector(w.matmul(onDevice(st.v, [cols, 1], w)), w);
    normalizeInPlace(st.u);
    st.v = readVector(onDevice(st.u, [1, rows], w).matmul(w), w);
    normalizeInPlace(st.v);
  }
  reseed(st, rows, cols);
}

/** `uᵀ S v` for the float32 row-major `rows × cols` matrix `s`, in float64. */
function estimate32(s: Float32Array, rows: number, cols: number, st: PowerVectors): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let row = 0;
    for (let c = 0; c < cols; c++) row += s[r * cols + c] * st.v[c];
    total += st.u[r] * row;
  }
  return total;
}

/** `[rows, cols]` of the matrix view of a weight `[out, in, ...]`. */
function matrixOf(x: Tensor): { rows: number; cols: number } {
  if (x.ndim < 2)
    throw new ArgumentError(
      `spectralNorm: needs a weight with at least 2 dims ([out, in] or [out, in, kH, kW]), got shape ${fmtShape(x.shape)}`,
    );
  const rows = x.shape[0];
  return { rows, cols: rows === 0 ? 0 : x.size / rows };
}

/** A deterministic unit vector of `n` normal draws (a seeded LCG with Box–Muller), standing in for torch's randn. */
function seededUnit(n: number, seed: number): Float64Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 1) / 4294967297;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  normalizeInPlace(out);
  return out;
}

const isZero = (x: Float64Array) => x.every((e) => e === 0);

/** NOTE: a zero matrix zeroes the vectors, and power iteration cannot leave zero again: re-seed them. */
function reseed(st: PowerVectors, rows: number, cols: number): void {
  if (isZero(st.v)) st.v = seededUnit(cols, cols * 104729 + rows);
  if (isZero(st.u)) st.u = seededUnit(rows, rows * 7919 + cols);
}

/** `steps` power iterations in torch's order: `u = normalize(W v)`, then `v = normalize(Wᵀ u)`. */
function powerSteps(a: Float64Array, rows: number, cols: number, st: PowerVectors, steps: number): void {
  for (let i = 0; i < steps; i++) {
    matVec(a, rows, cols, st.v, st.u);
    normalizeInPlace(st.u);
    matTVec(a, rows, cols, st.u, st.v);
    normalizeInPlace(st.v);
  }
  reseed(st, rows, cols);
}

/** Largest singular value `<= maxSigma`, for weights viewed as `[out, in·...]`. */
export class SpectralNormConstraint extends Constraint {
  readonly name = 'spectralNorm';
  readonly maxSigma: number;
  readonly nPowerIterations: number;
  private readonly state = new Map<string, PowerVectors>();

  constructor(maxSigma: number, options?: SpectralNormOptions) {
    super();
    checkOptions('spectralNorm', options, ['nPowerIterations']);
    this.maxSigma = checkNumber('spectralNorm', 'maxSigma', maxSigma, { min: 0, infinity: 'positive' });
    const n = checkNumber('spectralNorm', 'nPowerIterations', options?.nPowerIterations ?? 1, { min: 1 });
    if (!Number.isInteger(n))
      throw new ArgumentError(`spectralNorm: nPowerIterations must be an integer >= 1, got ${describeValue(n)}`);
    this.nPowerIterations = n;
    this.options = { maxSigma, nPowerIterations: n };
  }

  /** A scaling by a finite factor in [0, 1]: finite for finite input. */
  override get safeProjection(): boolean {
    return true;
  }

  /** The vectors kept for matrices of `rows × cols`, as copies (null before the first use). */
  vectors(rows: number, cols: number): PowerVectors | null {
    const st = this.state.get(`${rows}x${cols}`);
    return st ? { u: Float64Array.from(st.u), v: Float64Array.from(st.v) } : null;
  }

  /** Sets the vectors for matrices of `rows × cols` (for example torch's `_u` and `_v`); they are normalized. */
  setVectors(rows: number, cols: number, u: ArrayLike<number>, v: ArrayLike<number>): void {
    if (u.length !== rows || v.length !== cols || ![...Array.from(u), ...Array.from(v)].every(Number.isFinite))
      throw new ArgumentError(
        `spectralNorm.setVectors: need ${rows} finite numbers for u and ${cols} for v, got ${u.length} and ${v.length}`,
      );
    const st = { u: Float64Array.from(u), v: Float64Array.from(v) };
    normalizeInPlace(st.u);
    normalizeInPlace(st.v);
    this.state.set(`${rows}x${cols}`, st);
  }

  /** Restores saved vectors as they are (from a spec: already unit vectors, kept bit for bit). */
  restoreVectors(rows: number, cols: number, u: readonly number[], v: readonly number[]): void {
    this.setVectors(rows, cols, u, v);
    this.state.set(`${rows}x${cols}`, { u: Float64Array.from(u), v: Float64Array.from(v) });
  }

  /** The persistent vectors of `rows × cols` matrices, made on first use with torch's 15 warm-up iterations on `a`. */
  private vectorsOf(a: Float64Array, rows: number, cols: number): PowerVectors {
    const key = `${rows}x${cols}`;
    let st = this.state.get(key);
    if (!st) {
      st = { u: seededUnit(rows, rows * 7919 + cols), v: seededUnit(cols, cols * 104729 + rows) };
      this.state.set(key, st);
      powerSteps(a, rows, cols, st, WARMUP);
    }
    return st;
  }

  /**
   * The project mode's estimate: restarted Lanczos on WᵀW from the persistent v, `nPowerIterations` products with W
   * and Wᵀ in all (blocks of at most 64, stopping once the Ritz value settles or the Krylov space is complete), v
   * replaced by the Ritz vector and `u = normalize(W v)`.
   */
  private refine(a: Float64Array, rows: number, cols: number): { st: PowerVectors; sigma: number } {
    const st = this.vectorsOf(a, rows, cols);
    let left = this.nPowerIterations;
    let prev = Number.NaN;
    let image: Float64Array | null = null;
    while (left > 0) {
      const k = Math.min(left, rows, cols, MAX_KRYLOV);
      const ritz = lanczosTop(a, rows, cols, st.v, k);
      st.v = ritz.vector;
      image = ritz.image;
      left -= k;
      if (k >= Math.min(rows, cols) || Math.abs(ritz.theta - prev) <= 2 ** -40 * ritz.theta) break;
      prev = ritz.theta;
    }
    // NOTE: with u = normalize(W v), the estimate uᵀ W v is ||W v||.
    st.u = image ?? new Float64Array(rows);
    let sq = 0;
    for (const e of st.u) sq += e * e;
    normalizeInPlace(st.u);
    reseed(st, rows, cols);
    return { st, sigma: Math.sqrt(sq) };
  }

  override project_(x: Tensor): void {
    const { rows, cols } = matrixOf(x);
    if (x.size === 0) return;
    const a = hostMatrix(x);
    if (!a) {
      writeHost(x, new Float32Array(x.size).fill(Number.NaN));
      return;
    }
    const { st, sigma } = this.refine(a, rows, cols);
    const m = this.maxSigma;
    if (sigma <= m + roundingBand(m)) return;
    let factor = m / sigma;
    // NOTE: rounding the scaled entries to float32 can leave the estimate a hair above maxSigma; nudge the factor
    // down half an ulp at a time until it does not, so the next projection leaves the result alone.
    const scaled = new Float32Array(a.length);
    for (let tries = 0; tries < 64; tries++) {
      for (let i = 0; i < a.length; i++) scaled[i] = a[i] * factor;
      if (estimate32(scaled, rows, cols, st) <= m) break;
      factor *= 1 - NUDGE;
    }
    writeHost(x, scaled);
  }

  /** `max(0, σ - maxSigma)` with σ the true largest singular value (float64 eigendecomposition of the smaller Gram matrix). */
  override violation(value: Tensor): number {
    const { rows, cols } = matrixOf(value);
    const a = hostMatrix(value);
    return a ? Math.max(0, largestSingularValue(a, rows, cols) - this.maxSigma) : Number.NaN;
  }

  override tolerance(_value: Tensor): number {
    return 1e-5 * Math.max(1, this.maxSigma);
  }

  /**
   * `x / max(1, σ̂/maxSigma)` with `σ̂ = uᵀ X v` and u, v constants in the gradient, after `advance` power
   * iterations on x (0: the vectors as they are).
   */
  scaled(x: Tensor, advance: number): Tensor {
    const { rows, cols } = matrixOf(x);
    if (this.maxSigma === 0) return x.mul(0);
    if (x.size === 0) return x.mul(1);
    // NOTE: the first use reads the matrix to make the vectors. After it, the power steps on a large matrix are
    // matrix-vector products on the backend (float32, as torch's) that read back only the vectors; a small one is
    // cheaper on the host. The differentiated pass (advance 0) reads nothing.
    let st = this.state.get(`${rows}x${cols}`);
    if (!st || (advance > 0 && x.size < DEVICE_SIZE)) {
      const a = hostMatrix(x);
      if (!a)
        throw new ConstraintError(`spectralNorm: the matrix of shape ${fmtShape(x.shape)} has non-finite entries`);
      st = this.vectorsOf(a, rows, cols);
      powerSteps(a, rows, cols, st, advance);
    } else if (advance > 0) {
      noGrad(() => deviceSteps(x.detach().reshape([rows, cols]), st!, advance));
    }
    const u = onDevice(st.u, [1, rows], x);
    const v = onDevice(st.v, [cols, 1], x);
    const sigma = u
      .matmul(x.reshape([rows, cols]))
      .matmul(v)
      .reshape([]);
    return x.div(sigma.div(this.maxSigma).clamp(1, null));
  }

  /**
   * `raw / max(1, σ̂(raw)/maxSigma)`. NOTE: the vectors advance (`nPowerIterations`) only when raw does not require
   * grad: the step evaluates the value after each update that way, and differentiates the transform at the same raw
   * at the next step, which must see the same vectors to give the gradient of the value the forward pass used.
   */
  override transform(raw: Tensor): Tensor {
    return this.scaled(raw, raw.requiresGrad ? 0 : this.nPowerIterations);
  }

  override inverse(value: Tensor): Tensor {
    return value.clone();
  }

  /** The options, and the persistent vectors of every shape seen so far (so a loaded copy resumes from them). */
  override toSpec(): { name: string; options: { [key: string]: JsonValue } } {
    if (this.state.size === 0) return { name: this.name, options: this.options };
    const vectors = [...this.state.entries()].map(([key, st]) => {
      const [rows, cols] = key.split('x').map(Number);
      return { rows, cols, u: Array.from(st.u), v: Array.from(st.v) };
    });
    return { name: this.name, options: { ...this.options, vectors } };
  }
}

/** A spec's saved vectors loaded into `c` (from `toSpec`'s `vectors`). */
export function loadVectors(c: SpectralNormConstraint, vectors: unknown): SpectralNormConstraint {
  if (vectors === undefined || vectors === null) return c;
  if (!Array.isArray(vectors))
    throw new ArgumentError(`spectralNorm: options.vectors must be an array, got ${describeValue(vectors)}`);
  for (const e of vectors as { rows: number; cols: number; u: number[]; v: number[] }[]) {
    if (e === null || typeof e !== 'object' || !Array.isArray(e.u) || !Array.isArray(e.v))
      throw new ArgumentError(`spectralNorm: each saved vector pair must be { rows, cols, u, v }`);
    c.restoreVectors(e.rows, e.cols, e.u, e.v);
  }
  return c;
}

/** Largest singular value of the weight (as `[out, in·...]`) at most `maxSigma`; power iteration per step. */
export function spectralNorm(maxSigma: number, options?: SpectralNormOptions): SpectralNormConstraint {
  return new SpectralNormConstraint(maxSigma, options);
}
