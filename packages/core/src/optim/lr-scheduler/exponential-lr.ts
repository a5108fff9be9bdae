/** `ExponentialLR`: multiply the learning rate by `gamma` every epoch. */
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** `lr = base · gamma^epoch`. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly gamma: number,
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** epoch;
  }
}
