/** The op suites: gradients of every differentiable op, by finite differences and against the reference backend. */
import type { Suite } from '../../context.js';
import { einsumSuite } from './einsum.js';
import { gradCoverageSuite } from './grad-coverage.js';
import { elementwiseGradientSuite } from './gradients-elementwise.js';
import { reduceGradientSuite } from './gradients-reduce.js';
import { shapeGradientSuite } from './gradients-shape.js';
import { mathOpsSuite } from './math-ops.js';
import { tensorOpsSuite } from './tensor-ops.js';

/** Op suites, in the order they run. */
export const OP_SUITES: readonly Suite[] = [
  elementwiseGradientSuite,
  reduceGradientSuite,
  shapeGradientSuite,
  mathOpsSuite,
  tensorOpsSuite,
  einsumSuite,
  gradCoverageSuite,
];
