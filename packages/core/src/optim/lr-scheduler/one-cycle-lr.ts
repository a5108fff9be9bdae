/**
 * `OneCycleLR` (Smith & Topsakal's 1cycle policy, as torch.optim.lr_scheduler.OneCycleLR): warm up from
 * `maxLr/divFactor` to `maxLr`, then anneal to `initialLr/finalDivFactor`; momentum (or Adam's β1) cycles
 * inversely between `maxMomentum` and `baseMomentum`. Step it after every batch.
 */
import { ArgumentError } from '../../errors.js';
import type { Optimizer } from '../optimizer.js';
import { LRScheduler } from './scheduler.js';

/** Options of `OneCycleLR`. Give `totalSteps`, or `epochs` and `stepsPerEpoch`. */
export interface OneCycleLROptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  end: number;
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  startM: 'maxMomentum' | 'baseMomentum';
  endM: 'maxMomentum' | 'baseMomentum';
}

function anneal(kind: 'cos' | 'linear', start: number, end: number, pct: number): number {
  return kind === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
}

/** The 1cycle learning-rate (and momentum) policy. */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  private readonly phases: Phase[];
  private readonly anneal: 'cos' | 'linear';
  private readonly cycleMomentum: boolean;
  private readonly lrs: { initialLr: number; maxLr: number; minLr: number }[];
  private readonly moms: { maxMomentum: number; baseMomentum: number }[];

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    const o = options;
    const divFactor = o.divFactor ?? 25;
    const groups = optimizer.paramGroups;
    const maxLrs = Array.isArray(o.maxLr) ? o.maxLr : groups.map(() => o.maxLr as number);
    if (maxLrs.length !== groups.length)
      throw new ArgumentError(`OneCycleLR: expected ${groups.length} maxLr values, got ${maxLrs.length}`);
    if ((o.lastEpoch ?? -1) === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
      });
    }
    super(optimizer, o.lastEpoch ?? -1);
    const total =
      o.totalSteps ??
      (o.epochs !== undefined && o.stepsPerEpoch !== undefined ? o.epochs * o.stepsPerEpoch : undefined);
    if (total === undefined || !(Number.isInteger(total) && total > 0))
      throw new ArgumentError('OneCycleLR: give a positive integer totalSteps, or epochs and stepsPerEpoch');
    this.totalSteps = total;
    const pct = o.pctStart ?? 0.3;
    if (!(pct > 0 && pct < 1)) throw new ArgumentError(`OneCycleLR: pctStart must be in (0, 1), got ${pct}`);
    this.anneal = o.annealStrategy ?? 'cos';
    const up = pct * total - 1;
    this.phases = o.threePhase
      ? [
          { end: up, startLr: 'initialLr', endLr: 'maxLr', startM: 'maxMomentum', endM: 'baseMomentum' },
          {
            end: 2 * pct * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startM: 'baseMomentum',
            endM: 'maxMomentum',
          },
          { end: total - 1, startLr: 'initialLr', endLr: 'minLr', startM: 'maxMomentum', endM: 'maxMomentum' },
        ]
      : [
          { end: up, startLr: 'initialLr', endLr: 'maxLr', startM: 'maxMomentum', endM: 'baseMomentum' },
          { end: total - 1, startLr: 'maxLr', endLr: 'minLr', startM: 'baseMomentum', endM: 'maxMomentum' },
        ];
    const finalDiv = o.finalDivFactor ?? 1e4;
    this.lrs = groups.map((g, i) => ({
      initialLr: g.initialLr as number,
      maxLr: maxLrs[i],
      minLr: (g.initialLr as number) / finalDiv,
    }));
    this.cycleMomentum = o.cycleMomentum ?? true;
    const usesBetas = Array.isArray(groups[0]?.betas);
    if (this.cycleMomentum && !usesBetas && typeof groups[0]?.momentum !== 'number') {
      throw new ArgumentError('OneCycleLR: the optimizer has neither momentum nor betas; pass cycleMomentum: false');
    }
    this.moms = groups.map(() => ({ maxMomentum: o.maxMomentum ?? 0.95, baseMomentum: o.baseMomentum ?? 0.85 }));
    this.initialStep();
  }

  protected lrAt(_base: number, epoch: number, i: number): number {
    if (epoch > this.totalSteps) {
      throw new ArgumentError(`OneCycleLR: stepped ${epoch} times, but totalSteps is ${this.totalSteps}`);
    }
    let start = 0;
    for (let k = 0; k < this.phases.length; k++) {
      const ph = this.phases[k];
      if (epoch <= ph.end || k === this.phases.length - 1) {
        const p = (epoch - start) / (ph.end - start);
        if (this.cycleMomentum)
          this.setMomentum(i, anneal(this.anneal, this.moms[i][ph.startM], this.moms[i][ph.endM], p));
        return anneal(this.anneal, this.lrs[i][ph.startLr], this.lrs[i][ph.endLr], p);
      }
      start = ph.end;
    }
    return this.lrs[i].minLr;
  }

  private setMomentum(i: number, m: number): void {
    const g = this.optimizer.paramGroups[i];
    if (Array.isArray(g.betas)) g.betas = [m, (g.betas as number[])[1]];
    else g.momentum = m;
  }
}
