/** Shape layers: `Flatten` (dims startDim..endDim into one) and `Identity`. */
import { flatten } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Module } from '../module.js';

/** Flattens dims `startDim..endDim` (default 1..-1: everything but the batch dim). */
export class Flatten extends Module {
  constructor(
    /** First dim flattened. */
    readonly startDim = 1,
    /** Last dim flattened. */
    readonly endDim = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Returns its input (a placeholder, e.g. for an optional layer). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
