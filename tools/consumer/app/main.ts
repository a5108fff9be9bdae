// A small app as a user would write it against the published packages: train a constrained MLP on two
// noisy clusters on the wasm backend, then publish the outcome on the page for the test to read.

import { createWasmBackend } from '@cp/backend-wasm';
import { constraints, F, manualSeed, nn, optim, randn, setBackend, tensor } from '@cp/core';

const status = document.getElementById('status') as HTMLElement;

async function train() {
  const backend = await createWasmBackend();
  await setBackend(backend);
  manualSeed(1);
  const n = 128;
  const labels = tensor(
    Array.from({ length: n }, (_, i) => i % 2),
    { dtype: 'int32' },
  );
  const x = randn([n, 8]).add(labels.float().reshape([n, 1]).mul(2));
  const model = new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 2));
  model.registerConstraint('0.weight', constraints.maxNorm(1, { dim: 1 }));
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const losses: number[] = [];
  for (let step = 0; step < 60; step++) {
    const loss = F.crossEntropy(model.call(x), labels);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  const norms = (model.getParameter('0.weight').norm(2, 1).toArray() as number[]).map(Number);
  return {
    backend: backend.name,
    simd: backend.capabilities.simd ?? null,
    threads: backend.capabilities.threads?.count ?? 1,
    first: losses[0],
    last: losses[losses.length - 1],
    maxNorm: Math.max(...norms),
  };
}

train().then(
  (result) => {
    status.textContent = 'done';
    document.body.dataset.result = JSON.stringify(result);
  },
  (e: unknown) => {
    status.textContent = 'failed';
    document.body.dataset.error = String((e as Error)?.stack ?? e);
  },
);
