/** The suites that keep issue 8 fixed: differential program fuzzing, API fuzzing, and anomaly mode. */
import type { Suite } from '../../context.js';
import { anomalySuite } from './anomaly.js';
import { apiFuzzSuite } from './api-fuzz.js';
import { differentialSuite } from './differential.js';

/** The fuzzing and anomaly-mode suites, in the order they run. */
export const FUZZ_SUITES: readonly Suite[] = [differentialSuite, apiFuzzSuite, anomalySuite];
