/** The io suites: checkpoints that keep every number, fail without changing anything, and survive fuzzing. */
import type { Suite } from '../../context.js';
import { checkpointAtomicSuite } from './checkpoint-atomic.js';
import { checkpointBoundsSuite } from './checkpoint-bounds.js';
import { checkpointFuzzSuite } from './checkpoint-fuzz.js';

/** The io suites, in the order they run. */
export const IO_SUITES: readonly Suite[] = [checkpointBoundsSuite, checkpointAtomicSuite, checkpointFuzzSuite];
