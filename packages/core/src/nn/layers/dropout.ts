/**
 * `Dropout` and `Dropout2d`: zero elements (or whole channels) with probability p while training, scaling
 * the rest by 1/(1-p); identity in eval.
 */
import { ArgumentError } from '../../errors.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { dropout } from '../functional/activation.js';
import { dropout2d } from '../functional/dropout2d.js';
import { Module } from '../module.js';

/** Dropout with the core default generator (or the one given). */
export class Dropout extends Module {
  /** Probability of zeroing an element. */
  readonly p: number;
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options?: { generator?: Generator }) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`Dropout: p must be in [0, 1], got ${describe(p)}`);
    checkOptions('Dropout', options, ['generator']);
    this.p = p;
    this.#generator = options?.generator;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { generator: this.#generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/** Zeroes whole channels of `[N, C, H, W]` with probability p while training (see `F.dropout2d`); identity in eval. */
export class Dropout2d extends Module {
  /** Probability of zeroing a channel. */
  readonly p: number;
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options?: { generator?: Generator }) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`Dropout2d: p must be in [0, 1], got ${describe(p)}`);
    checkOptions('Dropout2d', options, ['generator']);
    this.p = p;
    this.#generator = options?.generator;
  }

  override forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training, { generator: this.#generator });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
