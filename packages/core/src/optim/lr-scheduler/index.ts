/** Learning-rate schedulers, as `optim.lrScheduler.StepLR` etc. (torch.optim.lr_scheduler). */

export { CosineAnnealingLR } from './cosine-annealing-lr.js';
export { ExponentialLR } from './exponential-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { LRScheduler, type SchedulerStateDict } from './scheduler.js';
export { StepLR } from './step-lr.js';
