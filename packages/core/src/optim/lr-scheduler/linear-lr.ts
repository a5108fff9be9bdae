/** `LinearLR`: scale the learning rate linearly from `startFactor` to `endFactor` over `totalIters` epochs. */
import { ArgumentError } from '../../errors.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** Options of `LinearLR` (torch defaults: 1/3, 1, 5). */
export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
  lastEpoch?: number;
}

/** `lr = base · (start + (end - start)·min(epoch, totalIters)/totalIters)`. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options?: LinearLROptions) {
    super(optimizer, options?.lastEpoch ?? -1);
    this.startFactor = options?.startFactor ?? 1 / 3;
    this.endFactor = options?.endFactor ?? 1;
    this.totalIters = options?.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1))
      throw new ArgumentError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1))
      throw new ArgumentError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    this.initialStep();
  }

  protected lrAt(base: number, epoch: number): number {
    const t = this.totalIters === 0 ? 1 : Math.min(epoch, this.totalIters) / this.totalIters;
    return base * (this.startFactor + (this.endFactor - this.startFactor) * t);
  }
}
