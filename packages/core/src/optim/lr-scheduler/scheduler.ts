/**
 * `LRScheduler`: sets each parameter group's `lr` from a closed-form function of the epoch (step count),
 * like torch.optim.lr_scheduler. The constructor applies epoch 0; call `step()` after each `optimizer.step()`.
 */
import { ArgumentError } from '../../errors.js';
import type { Optimizer } from '../optimizer.js';

/** A scheduler's serializable state. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  [key: string]: unknown;
}

/** The base class of the learning-rate schedulers. Subclasses implement `lrAt(baseLr, epoch, groupIndex)`. */
export abstract class LRScheduler {
  /** The epoch (number of `step()` calls) the current learning rates belong to. */
  lastEpoch: number;
  /** Each group's initial learning rate. */
  baseLrs: number[];
  private lastLr: number[] = [];

  constructor(
    /** The optimizer whose groups' `lr` this scheduler sets. */
    readonly optimizer: Optimizer,
    lastEpoch = -1,
  ) {
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined)
          throw new ArgumentError(
            `${this.constructor.name}: group ${i} has no initialLr; resume with lastEpoch = -1 first`,
          );
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Call at the end of the subclass constructor: applies the first epoch (PyTorch's initial step). */
  protected initialStep(): void {
    this.step();
  }

  /** The learning rate of group `i` at `epoch`. */
  protected abstract lrAt(baseLr: number, epoch: number, i: number): number;

  /** Advances one epoch and sets every group's `lr`. */
  step(): void {
    this.lastEpoch++;
    this.lastLr = this.optimizer.paramGroups.map((g, i) => {
      g.lr = this.lrAt(this.baseLrs[i], this.lastEpoch, i);
      return g.lr;
    });
  }

  /** The learning rates the last `step()` set. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (not the optimizer's). */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr] };
  }

  /** Restores a `stateDict()`. */
  loadStateDict(sd: SchedulerStateDict): void {
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs = [...sd.baseLrs];
    this.lastLr = [...sd.lastLr];
  }
}
