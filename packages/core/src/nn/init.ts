/**
 * `nn.init`: PyTorch's initializers, writing in place under `noGrad`. Values are drawn on the host from the
 * core generator (`defaultGenerator`, or `{ generator }`), so a seed gives the same weights on every backend.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../engine/lifetime.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { tensor } from '../tensor/creation.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** The generator an initializer draws from. */
export interface InitOptions {
  generator?: Generator;
}

/** A nonlinearity name for `calculateGain` (PyTorch's snake_case names are accepted too). */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'leaky_relu'
  | 'selu';

/** Which fan the Kaiming initializers preserve: forward activations (`fanIn`) or backward gradients (`fanOut`). */
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

/** Options of `kaimingUniform_`/`kaimingNormal_`. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

/** The recommended gain for a nonlinearity (PyTorch's table); `param` is leaky ReLU's slope (default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (!Number.isFinite(slope))
        throw new ArgumentError(`calculateGain: negative slope must be a finite number, got ${slope}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unsupported nonlinearity '${nonlinearity as string}'`);
  }
}

/** `[fanIn, fanOut]` of a weight: `shape[1]` and `shape[0]` times the receptive field (dims 2+). */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2)
    throw new ShapeError(`init: fan in and fan out need a tensor with at least 2 dims, got shape ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((n, d) => n * d, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** Writes host values into `t` in place. */
function write<T extends Tensor>(t: T, values: Float32Array): T {
  noGrad(() => tidy(() => void t.copy_(tensor(values, { shape: t.shape, backend: t.backend }))));
  return t;
}

function fillWith<T extends Tensor>(t: T, sample: () => number): T {
  const values = new Float32Array(t.size);
  for (let i = 0; i < values.length; i++) values[i] = sample();
  return write(t, values);
}

/** Standard normal samples (Box-Muller in float64), as `randn` draws them. */
function normalSampler(g: Generator): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    // NOTE: 1 - u keeps the log argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - g.nextFloat()));
    const theta = 2 * Math.PI * g.nextFloat();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** Fills `t` with samples of U(a, b). */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1, options?: InitOptions): T {
  if (!(a <= b)) throw new ArgumentError(`uniform_: need a <= b, got a=${a}, b=${b}`);
  const g = options?.generator ?? defaultGenerator;
  return fillWith(t, () => a + (b - a) * g.nextFloat());
}

/** Fills `t` with samples of N(mean, std²). */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1, options?: InitOptions): T {
  if (!(std >= 0)) throw new ArgumentError(`normal_: std must be >= 0, got ${std}`);
  const next = normalSampler(options?.generator ?? defaultGenerator);
  return fillWith(t, () => mean + std * next());
}

/** Fills `t` with N(mean, std²) samples redrawn until they lie in [a, b] (default ±2). */
export function truncNormal_<T extends Tensor>(t: T, mean = 0, std = 1, a = -2, b = 2, options?: InitOptions): T {
  if (!(a < b) || !(std > 0))
    throw new ArgumentError(`truncNormal_: need a < b and std > 0, got a=${a}, b=${b}, std=${std}`);
  const next = normalSampler(options?.generator ?? defaultGenerator);
  return fillWith(t, () => {
    // NOTE: rejection sampling; with the bounds more than a few std away from the mean this could spin, so cap it.
    for (let i = 0; i < 10_000; i++) {
      const v = mean + std * next();
      if (v >= a && v <= b) return v;
    }
    return Math.min(b, Math.max(a, mean));
  });
}

/** Fills `t` with `value`. */
export function constant_<T extends Tensor>(t: T, value: number): T {
  noGrad(() => t.fill_(value));
  return t;
}

/** Fills `t` with zeros. */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/** Fills `t` with ones. */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/** Writes the identity matrix into a 2-D `t` (ones on the main diagonal of a non-square matrix). */
export function eye_<T extends Tensor>(t: T): T {
  if (t.ndim !== 2) throw new ShapeError(`eye_: expected a 2-D tensor, got shape ${fmtShape(t.shape)}`);
  const [n, m] = t.shape;
  const values = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return write(t, values);
}

/** Glorot uniform: U(-a, a) with `a = gain·sqrt(6 / (fanIn + fanOut))`. */
export function xavierUniform_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/** Glorot normal: N(0, std²) with `std = gain·sqrt(2 / (fanIn + fanOut))`. */
export function xavierNormal_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

function kaimingStd(op: string, t: Tensor, options: KaimingOptions | undefined): number {
  const mode = options?.mode ?? 'fanIn';
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  let fan: number;
  if (mode === 'fanIn' || mode === 'fan_in') fan = fanIn;
  else if (mode === 'fanOut' || mode === 'fan_out') fan = fanOut;
  else throw new ArgumentError(`${op}: mode must be 'fanIn' or 'fanOut', got '${mode as string}'`);
  if (fan === 0)
    throw new ShapeError(`${op}: cannot initialize a tensor with a zero-size fan (shape ${fmtShape(t.shape)})`);
  return calculateGain(options?.nonlinearity ?? 'leakyRelu', options?.a ?? 0) / Math.sqrt(fan);
}

/** He uniform: U(-b, b) with `b = gain·sqrt(3 / fan)` (`gain` from `nonlinearity` and `a`, default leaky ReLU with a = 0). */
export function kaimingUniform_<T extends Tensor>(t: T, options?: KaimingOptions): T {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, options);
  return uniform_(t, -bound, bound, options);
}

/** He normal: N(0, std²) with `std = gain / sqrt(fan)`. */
export function kaimingNormal_<T extends Tensor>(t: T, options?: KaimingOptions): T {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, options), options);
}

/**
 * A (semi-)orthogonal matrix times `gain`: Q of the QR decomposition of a normal matrix, with R's diagonal
 * signs folded in so Q is uniformly distributed. Dims 1+ are flattened, as in PyTorch.
 */
export function orthogonal_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  if (t.ndim < 2) throw new ShapeError(`orthogonal_: expected at least 2 dims, got shape ${fmtShape(t.shape)}`);
  const rows = t.shape[0];
  const cols = t.size / rows;
  const transpose = rows < cols;
  // Orthonormalize the columns of a tall [n, k] matrix (modified Gram-Schmidt in float64).
  const n = transpose ? cols : rows;
  const k = transpose ? rows : cols;
  const next = normalSampler(options?.generator ?? defaultGenerator);
  const a = Float64Array.from({ length: n * k }, () => next());
  for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += a[r * k + i] * a[r * k + j];
      for (let r = 0; r < n; r++) a[r * k + j] -= dot * a[r * k + i];
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += a[r * k + j] ** 2;
    norm = Math.sqrt(norm);
    // NOTE: the column's norm is R's (positive) diagonal entry, so no sign correction is needed; a zero column
    // (probability 0) is left as is.
    if (norm > 0) for (let r = 0; r < n; r++) a[r * k + j] /= norm;
  }
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) values[i * cols + j] = gain * (transpose ? a[j * k + i] : a[i * k + j]);
  return write(t, values);
}

/** Alias of `uniform_`. */
export const uniform = uniform_;
/** Alias of `normal_`. */
export const normal = normal_;
/** Alias of `truncNormal_`. */
export const truncNormal = truncNormal_;
/** Alias of `constant_`. */
export const constant = constant_;
/** Alias of `zeros_`. */
export const zeros = zeros_;
/** Alias of `ones_`. */
export const ones = ones_;
/** Alias of `eye_`. */
export const eye = eye_;
/** Alias of `xavierUniform_`. */
export const xavierUniform = xavierUniform_;
/** Alias of `xavierNormal_`. */
export const xavierNormal = xavierNormal_;
/** Alias of `kaimingUniform_`. */
export const kaimingUniform = kaimingUniform_;
/** Alias of `kaimingNormal_`. */
export const kaimingNormal = kaimingNormal_;
/** Alias of `orthogonal_`. */
export const orthogonal = orthogonal_;
