/**
 * Random tensors from one seeded generator in core (xoshiro128**), so `manualSeed(n)` gives the same numbers
 * on every backend. Normals use Box-Muller in float64, rounded once to float32.
 */
import { ArgumentError } from '../errors.js';
import { type CreationOptions, tensor } from './creation.js';
import { type Shape, sizeOf } from './shape.js';
import type { Tensor } from './tensor.js';

/** A seedable 32-bit generator (xoshiro128**). */
export class Generator {
  private s = new Uint32Array(4);

  constructor(seed = 0) {
    this.manualSeed(seed);
  }

  /** Resets the state from a seed (splitmix32 expansion, so any seed works, 0 included). */
  manualSeed(seed: number): this {
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

  /**
   * Restores a state from `getState()`: four unsigned 32-bit integers, not all zero. Anything else raises an
   * `ArgumentError` and leaves the state as it was.
   */
  setState(state: readonly number[]): void {
    const words: unknown[] = Array.isArray(state) ? state : [];
    const shown = Array.isArray(state) ? `[${words.map(String).join(', ')}]` : typeof state;
    if (
      words.length !== 4 ||
      !words.every((w) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff)
    )
      throw new ArgumentError(
        `Generator.setState: expected 4 unsigned 32-bit integers (from getState()), got ${shown}`,
      );
    // NOTE: zero is a fixed point of xoshiro128**: from the all-zero state every output is 0, forever.
    if (words.every((w) => w === 0))
      throw new ArgumentError(
        'Generator.setState: the all-zero state is invalid (xoshiro128** would return 0 forever)',
      );
    this.s.set(words as number[]);
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

/** Uniform samples in [low, high) (default [0, 1)). */
export function rand(shape: Shape, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  const g = options?.generator ?? defaultGenerator;
  const low = options?.low ?? 0;
  const high = options?.high ?? 1;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * g.nextFloat();
  return tensor(values, { ...options, dtype: 'float32', shape });
}

/** Standard normal samples, scaled by `std` and shifted by `mean`. */
export function randn(shape: Shape, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const g = options?.generator ?? defaultGenerator;
  const mean = options?.mean ?? 0;
  const std = options?.std ?? 1;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i += 2) {
    // NOTE: 1 - u keeps the log argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - g.nextFloat()));
    const theta = 2 * Math.PI * g.nextFloat();
    values[i] = mean + std * r * Math.cos(theta);
    if (i + 1 < values.length) values[i + 1] = mean + std * r * Math.sin(theta);
  }
  return tensor(values, { ...options, dtype: 'float32', shape });
}

/** Uniform integers in [low, high) as int32. */
export function randint(low: number, high: number, shape: Shape, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ArgumentError(`randint: need integers low < high, got ${low} and ${high}`);
  }
  const g = options?.generator ?? defaultGenerator;
  const span = high - low;
  const values = new Int32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + Math.floor(g.nextFloat() * span);
  return tensor(values, { ...options, dtype: 'int32', shape });
}

/** A random permutation of `0..n-1` (int32), Fisher-Yates. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  const g = options?.generator ?? defaultGenerator;
  const values = new Int32Array(n);
  for (let i = 0; i < n; i++) values[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(g.nextFloat() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return tensor(values, { ...options, dtype: 'int32' });
}
