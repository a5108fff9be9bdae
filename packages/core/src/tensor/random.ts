/**
 * Random tensors from one seeded generator in core (xoshiro128**), so `manualSeed(n)` gives the same numbers
 * on every backend. Normals use Box-Muller in float64, rounded once to float32. Every argument is checked
 * and the tensor is allocated on its backend before the first number is drawn, so a bad call or an
 * allocation the backend refuses costs nothing and leaves the generator where it was.
 */
import type { DType } from '../backend/dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { type CreationOptions, generate, type Resolved, resolveOptions } from './creation.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import { checkInt, checkNumber, checkShape, describe, INT32_MAX, INT32_MIN } from './validate.js';

/** A seedable 32-bit generator (xoshiro128**). */
export class Generator {
  private s = new Uint32Array(4);

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the state from a seed (splitmix32 expansion, so any integer seed works, 0 included). */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed))
      throw new ArgumentError(`manualSeed: seed must be an integer, got ${describe(seed)}`);
    let z = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let x = z;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      this.s[i] = (x ^ (x >>> 16)) >>> 0;
    }
    return this;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 24 random bits (exact in float32). */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** The generator's state, for checkpoints. */
  getState(): number[] {
    return [...this.s];
  }

  /** Restores a state from `getState()`: four 32-bit unsigned integers, not all zero. */
  setState(state: readonly number[]): void {
    Generator.checkState(state);
    this.s.set(state);
  }

  /**
   * Throws an ArgumentError unless `state` is a valid generator state (what `setState` accepts), so a
   * loader can check it before it changes anything.
   */
  static checkState(state: unknown): asserts state is readonly number[] {
    if (
      !Array.isArray(state) ||
      state.length !== 4 ||
      !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)
    ) {
      const shown = Array.isArray(state) ? `[${state.map(String).join(', ')}]` : typeof state;
      throw new ArgumentError(
        `Generator.setState: expected 4 unsigned 32-bit integers (from getState()), got ${shown}`,
      );
    }
    // NOTE: xoshiro's all-zero state is a fixed point: every later draw would be 0.
    if (state.every((w) => w === 0)) throw new ArgumentError('Generator.setState: the all-zero state is invalid');
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The default generator used by `rand`, `randn`, `randint`, dropout and `nn.init`. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}

/** Options of the random creation functions. */
export interface RandomOptions extends CreationOptions {
  generator?: Generator;
}

function generatorOf(op: string, options: RandomOptions | undefined): Generator {
  const g = options?.generator ?? defaultGenerator;
  if (!(g instanceof Generator)) throw new ArgumentError(`${op}: generator must be a Generator, got ${describe(g)}`);
  return g;
}

/** Checks the shape and options of a random creation call whose only dtype is `only`. */
function resolveRandom(
  op: string,
  shape: Shape,
  options: RandomOptions | undefined,
  only: DType,
  extraKeys: readonly string[],
): { shape: number[]; r: Resolved; g: Generator } {
  const s = checkShape(op, shape);
  const r = resolveOptions(op, options, only, ['generator', ...extraKeys]);
  if (r.dtype !== only) throw new DTypeError(`${op}: only ${only} is supported, got ${r.dtype}`);
  return { shape: s, r, g: generatorOf(op, options) };
}

/** Uniform samples in [low, high) (default [0, 1)). */
export function rand(shape: Shape, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  const { shape: s, r, g } = resolveRandom('rand', shape, options, 'float32', ['low', 'high']);
  const low = checkNumber('rand', 'low', options?.low ?? 0, true);
  const high = checkNumber('rand', 'high', options?.high ?? 1, true);
  return generate(s, r, (chunk) => {
    for (let i = 0; i < chunk.length; i++) chunk[i] = low + (high - low) * g.nextFloat();
  });
}

/** Standard normal samples, scaled by `std` and shifted by `mean`. */
export function randn(shape: Shape, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const { shape: s, r, g } = resolveRandom('randn', shape, options, 'float32', ['mean', 'std']);
  const mean = checkNumber('randn', 'mean', options?.mean ?? 0, true);
  const std = checkNumber('randn', 'std', options?.std ?? 1, true);
  if (std < 0) throw new ArgumentError(`randn: std must be >= 0, got ${std}`);
  return generate(s, r, (chunk) => {
    for (let i = 0; i < chunk.length; i += 2) {
      // NOTE: 1 - u keeps the log argument in (0, 1].
      const radius = Math.sqrt(-2 * Math.log(1 - g.nextFloat()));
      const theta = 2 * Math.PI * g.nextFloat();
      chunk[i] = mean + std * radius * Math.cos(theta);
      if (i + 1 < chunk.length) chunk[i + 1] = mean + std * radius * Math.sin(theta);
    }
  });
}

/**
 * A uniform integer in [0, span). Spans up to 2^24 use one 24-bit draw (the stream cp has always had);
 * wider spans use 53 bits from two draws, so every integer of an int32-wide range can come out.
 */
function uniformBelow(g: Generator, span: number): number {
  if (span <= 16777216) return Math.floor(g.nextFloat() * span);
  const u = ((g.nextUint32() >>> 5) * 67108864 + (g.nextUint32() >>> 6)) / 9007199254740992;
  return Math.floor(u * span);
}

/** Uniform integers in [low, high) as int32; the range must fit int32 (`high` up to 2^31). */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: need integers low < high, got ${describe(low)} and ${describe(high)}`);
  }
  if (low < INT32_MIN || high - 1 > INT32_MAX) {
    throw new ArgumentError(
      `randint: the range [${low}, ${high}) is out of bounds for int32 (low >= -2^31, high <= 2^31)`,
    );
  }
  const { shape: s, r, g } = resolveRandom('randint', shape, options, 'int32', []);
  const span = high - low;
  return generate(s, r, (chunk) => {
    for (let i = 0; i < chunk.length; i++) chunk[i] = low + uniformBelow(g, span);
  });
}

/** A random permutation of `0..n-1` (int32), Fisher-Yates. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  checkInt('randperm', 'n', n, 0);
  if (n - 1 > INT32_MAX) throw new ArgumentError(`randperm: n must be at most 2^31, got ${n}`);
  const { shape, r, g } = resolveRandom('randperm', [n], options, 'int32', []);
  // NOTE: Fisher-Yates needs the whole permutation at once: one chunk of n (allocated on the backend first).
  return generate(
    shape,
    r,
    (values) => {
      for (let i = 0; i < n; i++) values[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = uniformBelow(g, i + 1);
        [values[i], values[j]] = [values[j], values[i]];
      }
    },
    Math.max(n, 1),
  );
}
