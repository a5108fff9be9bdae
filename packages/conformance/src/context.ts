/** What every suite receives: the backend under test (made once per run) and the property-test settings. */
import type { Backend } from '@cp/core';

/** The context a suite runs in. */
export interface SuiteContext {
  /** The backend's name, for test titles. */
  readonly name: string;
  /** The backend under test; valid inside tests and hooks (it is created in `beforeAll`). */
  backend(): Backend;
  /** fast-check runs per property (CP_RUNS overrides). */
  readonly numRuns: number;
  /** fast-check seed (CP_SEED overrides), printed on failure by fast-check. */
  readonly seed: number;
}

/** A suite: registers `describe`/`test` blocks for one area. */
export type Suite = (ctx: SuiteContext) => void;
