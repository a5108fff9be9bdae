// Training on one backend, disposing it, then training on another: the first backend's last step tensors
// (released by the next backward()) were freed with their backend, and that release must not break the
// new backend's training.
import { F, nn, optim, randint, randn, setBackendSync } from '@cp/core';
import { expect, it } from 'vitest';
import { createJsBackend } from '../src/index.js';

function trainSteps(steps: number): number {
  const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  let last = 0;
  for (let i = 0; i < steps; i++) {
    const loss = F.crossEntropy(model.call(randn([16, 4])), randint(0, 3, [16]));
    opt.zeroGrad();
    loss.backward();
    opt.step();
    last = loss.item();
  }
  return last;
}

it('training on a new backend after disposing the one a previous loop trained on works', () => {
  const first = createJsBackend();
  setBackendSync(first);
  trainSteps(3);
  first.dispose();
  setBackendSync(createJsBackend());
  expect(Number.isFinite(trainSteps(3))).toBe(true);
});
