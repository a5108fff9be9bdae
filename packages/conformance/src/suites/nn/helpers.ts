/** Helpers the nn suites share: comparing tensors with numbers, running a test body in `tidy`, small models. */
import * as cp from '@cp/core';
import { expect } from 'vitest';

/** Runs `fn` inside `tidy` so the tensors it makes are freed when it returns. */
export function tidyTest(fn: () => void): () => void {
  return () => cp.tidy(fn);
}

/** Expects `t`'s elements to match `expected` (flat or nested) to `digits` decimal places. */
export function expectClose(t: cp.Tensor, expected: cp.NestedArray, digits = 5): void {
  const flat = (Array.isArray(expected) ? expected.flat(Infinity as 1) : [expected]) as number[];
  const actual = Array.from(t.dataSync());
  expect(actual.length).toBe(flat.length);
  for (const [i, v] of actual.entries()) expect(v, `element ${i}`).toBeCloseTo(flat[i], digits);
}

/** Writes `values` into a parameter in place (as an optimizer would). */
export function setParam(p: cp.Tensor, values: cp.NestedArray): void {
  cp.noGrad(() => cp.tidy(() => void p.copy_(cp.tensor(values))));
}

/** Runs `module.call(...inputs)` with the parameter fields `names` replaced by gradcheck's leaves. */
export function withParams<M extends cp.nn.Module>(
  module: M,
  names: string[],
  values: cp.Tensor[],
  run: () => cp.Tensor,
): cp.Tensor {
  const fields = module as unknown as Record<string, unknown>;
  const saved = names.map((n) => fields[n]);
  names.forEach((n, i) => {
    fields[n] = values[i];
  });
  try {
    return run();
  } finally {
    names.forEach((n, i) => {
      fields[n] = saved[i];
    });
  }
}
