/** The optimizer behaviour suites: update rules, the step's order and transactions, state dicts, schedulers. */
import type { Suite } from '../../context.js';

/** The optim suites, in the order they run. */
export const OPTIM_SUITES: readonly Suite[] = [];
