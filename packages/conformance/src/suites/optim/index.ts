/** The optimizer behaviour suites: update rules, the step's order and transactions, state dicts, schedulers. */
import type { Suite } from '../../context.js';
import { inPlaceSuite } from './in-place.js';
import { schedulersSuite } from './schedulers.js';
import { stepSuite } from './step.js';
import { updateRulesSuite } from './update-rules.js';

/** The optim suites, in the order they run. */
export const OPTIM_SUITES: readonly Suite[] = [updateRulesSuite, stepSuite, inPlaceSuite, schedulersSuite];
