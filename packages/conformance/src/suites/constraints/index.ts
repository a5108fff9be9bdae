/**
 * The constraint behaviour suites: projection laws, the registry, declarations, enforcement after steps,
 * per-element bounds, the sphere, hyperplane, halfspace and capped simplex, clipping, fallbacks, intersect and
 * fallback accuracy against float64, and argument validation; then psd and spectralNorm, the differentiable
 * projections (sparsemax, constraints.project), joint constraints over several parameters, and per-slice and
 * per-block constraints on conv and recurrent layers, the analytic VJPs of reparametrizations, and the
 * orthogonal projection's warm start.
 */
import type { Suite } from '../../context.js';
import { argumentsSuite } from './arguments.js';
import { clippingSuite } from './clipping.js';
import { declarationsSuite } from './declarations.js';
import { differentiableSuite } from './differentiable.js';
import { elementBoundsSuite } from './element-bounds.js';
import { enforcementSuite } from './enforcement.js';
import { fallbackAccuracySuite } from './fallback-accuracy.js';
import { fallbacksSuite } from './fallbacks.js';
import { intersectAccuracySuite } from './intersect-accuracy.js';
import { jointSuite } from './joint.js';
import { layerConstraintsSuite } from './layers.js';
import { matrixSetsSuite } from './matrix-sets.js';
import { matrixSetsStepsSuite } from './matrix-sets-steps.js';
import { orthogonalWarmSuite } from './orthogonal-warm.js';
import { projectionLawsSuite } from './projection-laws.js';
import { registrySuite } from './registry.js';
import { reparamVjpSuite } from './reparam-vjp.js';
import { setsSuite } from './sets.js';

/** The constraint suites, in the order they run. */
export const CONSTRAINT_SUITES: readonly Suite[] = [
  projectionLawsSuite,
  registrySuite,
  declarationsSuite,
  enforcementSuite,
  elementBoundsSuite,
  setsSuite,
  clippingSuite,
  fallbacksSuite,
  intersectAccuracySuite,
  fallbackAccuracySuite,
  argumentsSuite,
  matrixSetsSuite,
  matrixSetsStepsSuite,
  differentiableSuite,
  jointSuite,
  layerConstraintsSuite,
  reparamVjpSuite,
  orthogonalWarmSuite,
];
