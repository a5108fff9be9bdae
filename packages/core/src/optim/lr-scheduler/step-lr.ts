/** `StepLR`: multiply the learning rate by `gamma` every `stepSize` epochs. */
import { ArgumentError } from '../../errors.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** `lr = base · gamma^floor(epoch / stepSize)`. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    if (!(Number.isInteger(stepSize) && stepSize > 0))
      throw new ArgumentError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}
