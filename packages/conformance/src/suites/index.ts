/**
 * Every suite `runConformance` runs, in order. Add a suite by importing it here; each file registers its
 * own `describe` blocks and uses only `ctx.backend()`.
 */
import type { Suite } from '../context.js';
import { CONSTRAINT_SUITES } from './constraints/index.js';
import { autogradSuite } from './core/autograd.js';
import { creationSuite } from './core/creation.js';
import { dispatchSuite } from './core/dispatch.js';
import { errorsSuite } from './core/errors.js';
import { lifetimeLoopsSuite } from './core/lifetime-loops.js';
import { memorySuite } from './core/memory.js';
import { opsSuite } from './core/ops.js';
import { profileSuite } from './core/profile.js';
import { TENSOR_RULES_SUITES } from './core/tensor-rules.js';
import { FUZZ_SUITES } from './fuzz/index.js';
import { IO_SUITES } from './io/index.js';
import { KERNEL_SUITES } from './kernels/index.js';
import { NN_SUITES } from './nn/index.js';
import { OP_SUITES } from './ops/index.js';
import { OPTIM_SUITES } from './optim/index.js';

/** The suites, in the order they run. */
export const SUITES: readonly Suite[] = [
  ...KERNEL_SUITES,
  ...OP_SUITES,
  creationSuite,
  opsSuite,
  errorsSuite,
  dispatchSuite,
  profileSuite,
  autogradSuite,
  memorySuite,
  lifetimeLoopsSuite,
  ...TENSOR_RULES_SUITES,
  ...NN_SUITES,
  ...OPTIM_SUITES,
  ...CONSTRAINT_SUITES,
  ...IO_SUITES,
  ...FUZZ_SUITES,
];
