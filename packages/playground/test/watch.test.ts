// The watched layer's figures: unit norms of a weight (absolute values of a vector), the bound's marker, and the
// distance outside the constraint's set, measured on a weight that carries no constraint.
import { createJsBackend } from '@cp/backend-js';
import { constraints as C, setBackendSync, tensor } from '@cp/core';
import { beforeAll, expect, test } from 'vitest';
import { unitNorms, watchFigures } from '../src/watch.js';

beforeAll(() => {
  setBackendSync(createJsBackend());
});

test('unitNorms gives the L2 norm of each row of a weight and the absolute values of a vector', () => {
  expect(unitNorms(tensor([3, 4, 0, 1], { shape: [2, 2] }))).toEqual([5, 1]);
  expect(unitNorms(tensor([-2, 0.5]))).toEqual([2, 0.5]);
});

test("watchFigures measures how far an unconstrained weight is outside the setting's set, with its marker", () => {
  const w = tensor([3, 4, 0, 1], { shape: [2, 2] });
  const f = watchFigures(w, { kind: 'maxNorm', bound: 2, mode: 'project' }, C.maxNorm(2, { dim: 1 }));
  expect(f.norms).toEqual([5, 1]);
  expect(f.marker).toEqual({ at: 2, label: 'maxNorm 2' });
  expect(f.violation).toBeCloseTo(3, 5);
  expect(watchFigures(w, { kind: 'none', bound: null, mode: 'project' }, null).violation).toBeNull();
});
