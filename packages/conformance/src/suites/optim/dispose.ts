/**
 * `Optimizer.dispose()`: an optimizer dropped in a loop that makes many (hyperparameter sweeps, model churn)
 * gives back everything it holds on the backend, its state and its undo buffers, at once.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

/** Optimizer.dispose frees state and undo buffers. */
export function optimizerDisposeSuite(_ctx: SuiteContext): void {
  describe('Optimizer.dispose', () => {
    test('frees the state and undo buffers of a constrained Adam, and the optimizer can step again', () => {
      const model = new cp.nn.Linear(8, 4);
      model.registerConstraint('weight', cp.constraints.maxNorm(1, { dim: 1 }));
      const x = cp.randn([16, 8]);
      const before = cp.memory().storages;
      const opt = new cp.optim.Adam(model.parameters(), { lr: 1e-2 });
      for (let i = 0; i < 3; i++) {
        cp.tidy(() => {
          opt.zeroGrad();
          model.call(x).square().mean().backward();
          opt.step();
        });
      }
      opt.zeroGrad();
      expect(cp.memory().storages).toBeGreaterThan(before);
      opt.dispose();
      expect(cp.memory().storages).toBe(before);
      cp.tidy(() => {
        model.call(x).square().mean().backward();
        opt.step();
      });
      expect(opt.state.size).toBe(2);
      opt.dispose();
      opt.zeroGrad();
      expect(cp.memory().storages).toBe(before);
      model.dispose();
      x.dispose();
    });
  });
}
