/**
 * `optim`: the optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`), their base class with the one
 * update path, and `lrScheduler`. Import as `import { optim } from '@cp/core'`.
 */

export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adam, type AdamOptions, AdamW } from './adam.js';
export {
  LAGRANGIAN_CHECKPOINT_KEY,
  Lagrangian,
  type LagrangianDualState,
  type LagrangianMethod,
  type LagrangianOptions,
  type LagrangianStateDict,
  type LagrangianStepResult,
  type PenaltyWindow,
} from './lagrangian.js';
export * as lrScheduler from './lr-scheduler/index.js';
export {
  type ClipOptions,
  Optimizer,
  type OptimizerOptions,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsInput,
  type StepHook,
  type UpdateTraits,
} from './optimizer.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { SGD, type SGDOptions } from './sgd.js';
export type { NonFiniteGradient, SkipInfo } from './skip.js';
export type { StateEntrySpec, StateSpec } from './state-dict.js';
