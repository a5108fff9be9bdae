/** `CosineAnnealingLR`: cosine decay from the base rate to `etaMin` over `tMax` epochs (SGDR without restarts). */
import { ArgumentError } from '../../errors.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** `lr = etaMin + (base - etaMin)·(1 + cos(π·epoch/tMax))/2` (the closed form torch documents). */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    readonly etaMin = 0,
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    if (!(tMax > 0)) throw new ArgumentError(`CosineAnnealingLR: tMax must be > 0, got ${tMax}`);
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}
