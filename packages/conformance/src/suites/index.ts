/**
 * Every suite `runConformance` runs, in order. Add a suite by importing it here; each file registers its
 * own `describe` blocks and uses only `ctx.backend()`.
 */
import type { Suite } from '../context.js';

/** The suites, in the order they run. */
export const SUITES: readonly Suite[] = [];
