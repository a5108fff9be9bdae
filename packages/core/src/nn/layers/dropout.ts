/** `Dropout`: zeroes elements with probability p while training (scaling the rest by 1/(1-p)); identity in eval. */
import { ArgumentError } from '../../errors.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, describe } from '../../tensor/validate.js';
import { dropout } from '../functional/activation.js';
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
