// The conformance suite's storage tests against the float64 reference backend itself, so the reference
// keeps the storage contract (errors included) that every backend is held to.
import { createReferenceBackend, kernelStorageSuite, type SuiteContext } from '@cp/conformance';
import type { Backend } from '@cp/core';
import { afterAll, beforeAll, describe } from 'vitest';

describe("backend 'reference'", () => {
  let backend: Backend | null = null;
  beforeAll(() => {
    backend = createReferenceBackend();
  });
  afterAll(() => backend?.dispose());
  const ctx: SuiteContext = {
    name: 'reference',
    backend: () => backend!,
    numRuns: 60,
    seed: 42,
  };
  kernelStorageSuite(ctx);
});
