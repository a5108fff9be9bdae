/** The optimizer behaviour suites: update rules, the step's order and transactions, state dicts, schedulers, the async forms. */
import type { Suite } from '../../context.js';
import { asyncStepSuite } from './async-step.js';
import { atomicStepSuite } from './atomic-step.js';
import { optimizerDisposeSuite } from './dispose.js';
import { exactProjectionsSuite } from './exact-projections.js';
import { gradChecksSuite } from './grad-checks.js';
import { lagrangianSuite } from './lagrangian.js';
import { noSyncReadsSuite } from './no-sync-reads.js';
import { nonFiniteGradientsSuite } from './non-finite-gradients.js';
import { optionsSuite } from './options.js';
import { schedulersSuite } from './schedulers.js';
import { skipNonFiniteSuite } from './skip-non-finite.js';
import { stateDictValidationSuite } from './state-dict-validation.js';
import { stepSuite } from './step.js';
import { updateRulesSuite } from './update-rules.js';

/** The optim suites, in the order they run. */
export const OPTIM_SUITES: readonly Suite[] = [
  updateRulesSuite,
  stepSuite,
  exactProjectionsSuite,
  schedulersSuite,
  gradChecksSuite,
  optionsSuite,
  nonFiniteGradientsSuite,
  atomicStepSuite,
  stateDictValidationSuite,
  skipNonFiniteSuite,
  optimizerDisposeSuite,
  asyncStepSuite,
  noSyncReadsSuite,
  lagrangianSuite,
];
