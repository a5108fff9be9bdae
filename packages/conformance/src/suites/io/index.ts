/**
 * The io suites: state dicts and checkpoints that fail without changing anything, checkpoints that keep every
 * number, and checkpoint fuzzing.
 */
import type { Suite } from '../../context.js';
import { checkpointAtomicSuite } from './checkpoint-atomic.js';
import { checkpointBoundsSuite } from './checkpoint-bounds.js';
import { checkpointFuzzSuite } from './checkpoint-fuzz.js';
import { stateDictAtomicSuite } from './state-dict-atomic.js';

/** The io suites, in the order they run. */
export const IO_SUITES: readonly Suite[] = [
  stateDictAtomicSuite,
  checkpointBoundsSuite,
  checkpointAtomicSuite,
  checkpointFuzzSuite,
];
