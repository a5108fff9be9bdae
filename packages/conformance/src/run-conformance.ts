/**
 * `runConformance(name, createBackend)`: the one call a backend's test file makes. It creates the backend,
 * makes it current, and runs every suite in suites/index.ts against it. There are no skip lists: a
 * backend passes all of it or fails.
 */
import { type Backend, type BackendFactory, setBackendSync } from '@cp/core';
import { afterAll, beforeAll, describe } from 'vitest';
import type { SuiteContext } from './context.js';
import { SUITES } from './suites/index.js';

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** fast-check runs per property (default 60, or CP_RUNS). */
  numRuns?: number;
  /** fast-check seed (default 42, or CP_SEED). */
  seed?: number;
}

// NOTE: no Node types here: the suite also runs in browsers, where there is no `process`.
const env: Record<string, string | undefined> =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** Runs the whole conformance and behaviour suite against the backend `createBackend` makes. */
export function runConformance(name: string, createBackend: BackendFactory, options?: ConformanceOptions): void {
  let backend: Backend | null = null;
  const ctx: SuiteContext = {
    name,
    backend: () => {
      if (!backend) throw new Error(`conformance: backend '${name}' is not created yet (use it inside tests)`);
      return backend;
    },
    numRuns: Number(env.CP_RUNS ?? options?.numRuns ?? 60),
    seed: Number(env.CP_SEED ?? options?.seed ?? 42),
  };
  describe(`backend '${name}'`, () => {
    beforeAll(async () => {
      backend = await createBackend();
      setBackendSync(backend);
    });
    afterAll(() => backend?.dispose());
    for (const suite of SUITES) suite(ctx);
  });
}
