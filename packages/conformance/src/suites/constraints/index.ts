/** The constraint behaviour suites: projection laws, the registry, enforcement after steps, clipping, fallbacks. */
import type { Suite } from '../../context.js';
import { clippingSuite } from './clipping.js';
import { enforcementSuite } from './enforcement.js';
import { fallbacksSuite } from './fallbacks.js';
import { projectionLawsSuite } from './projection-laws.js';
import { registrySuite } from './registry.js';

/** The constraint suites, in the order they run. */
export const CONSTRAINT_SUITES: readonly Suite[] = [
  projectionLawsSuite,
  registrySuite,
  enforcementSuite,
  clippingSuite,
  fallbacksSuite,
];
