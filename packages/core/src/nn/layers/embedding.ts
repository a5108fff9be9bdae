/**
 * `Embedding`: a lookup table `[numEmbeddings, embeddingDim]` indexed by int32 ids of any shape, initialized
 * N(0, 1). The `paddingIdx` row starts at zero and gets no gradient, as in PyTorch.
 */
import { noGrad } from '../../autograd/grad-mode.js';
import { tidy } from '../../engine/lifetime.js';
import { ArgumentError, DTypeError } from '../../errors.js';
import { compare, where } from '../../ops/compare.js';
import { indexSelect } from '../../ops/indexing.js';
import { detach, reshape, unsqueeze } from '../../ops/movement.js';
import { tensor } from '../../tensor/creation.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor } from '../../tensor/validate.js';
import { normal_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';

/** Options of `Embedding`. */
export interface EmbeddingOptions {
  /** An id whose row is kept at zero and not trained (negative counts from the end). */
  paddingIdx?: number | null;
  /** Draw the initial values from this generator. */
  generator?: Generator;
}

/** A trainable lookup table: `forward(ids)` has shape `[...ids.shape, embeddingDim]`. */
export class Embedding extends Module {
  /** The table, shape `[numEmbeddings, embeddingDim]`. */
  weight: Parameter;
  /** The padding row, or null. */
  readonly paddingIdx: number | null;

  constructor(
    /** Number of rows (the id range). */
    readonly numEmbeddings: number,
    /** Size of each row. */
    readonly embeddingDim: number,
    options?: EmbeddingOptions,
  ) {
    super();
    checkSize('Embedding', 'numEmbeddings', numEmbeddings);
    checkOptions('Embedding', options, ['paddingIdx', 'generator']);
    checkSize('Embedding', 'embeddingDim', embeddingDim);
    const pad = options?.paddingIdx ?? null;
    if (pad !== null && (!Number.isInteger(pad) || pad >= numEmbeddings || pad < -numEmbeddings)) {
      throw new ArgumentError(`Embedding: paddingIdx ${pad} is out of range for ${numEmbeddings} embeddings`);
    }
    this.paddingIdx = pad === null || pad >= 0 ? pad : pad + numEmbeddings;
    this.weight = normal_(zeroParameter('Embedding', [numEmbeddings, embeddingDim]), 0, 1, {
      generator: options?.generator,
    });
    if (this.paddingIdx !== null) {
      const values = this.weight.dataSync();
      values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
      noGrad(() =>
        tidy(() => void this.weight.copy_(tensor(values, { shape: this.weight.shape, backend: this.weight.backend }))),
      );
    }
  }

  /** Rows of the table for each id. */
  override forward(ids: Tensor): Tensor {
    checkTensor('Embedding', ids, 'ids');
    if (ids.dtype !== 'int32') throw new DTypeError(`Embedding: ids must be int32, got ${ids.dtype}`);
    const flat = reshape(ids, [ids.size]);
    let rows = indexSelect(this.weight, 0, flat);
    if (this.paddingIdx !== null && this.weight.requiresGrad) {
      // NOTE: the padding row's value is used but gets no gradient: a detached copy is selected there.
      rows = where(unsqueeze(compare('eq', flat, this.paddingIdx), 1), detach(rows), rows);
    }
    return reshape(rows, [...ids.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
