/**
 * The suites that pin down tensor creation, dtypes, shapes and views (issue 8): dtype storage rules,
 * creation argument checks, view independence, pow gradients against PyTorch, and argument errors.
 */
import type { Suite } from '../../context.js';
import { argumentErrorsSuite } from './argument-errors.js';
import { creationChecksSuite } from './creation-checks.js';
import { dtypeRulesSuite } from './dtype-rules.js';
import { opNamingSuite } from './op-naming.js';
import { powGradientsSuite } from './pow-gradients.js';
import { viewsSuite } from './views.js';

/** The tensor-rules suites, in the order they run. */
export const TENSOR_RULES_SUITES: readonly Suite[] = [
  dtypeRulesSuite,
  creationChecksSuite,
  viewsSuite,
  powGradientsSuite,
  argumentErrorsSuite,
  opNamingSuite,
];
