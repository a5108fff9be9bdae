// The obvious training loop, 10,000 steps, no tidy and no dispose: prints live storage every tenth of the
// run so you can see it stay flat. Usage: node tools/bench/src/memory-loop.mjs [js|wasm] [steps]
import { createJsBackend } from '@cp/backend-js';
import { createWasmBackend } from '@cp/backend-wasm';
import { manualSeed, memory, nn, optim, randint, randn, setBackend } from '@cp/core';

const which = process.argv[2] ?? 'js';
const steps = Number(process.argv[3] ?? 10000);
await setBackend(which === 'wasm' ? await createWasmBackend() : createJsBackend());
manualSeed(0);
const model = new nn.Sequential(new nn.Linear(64, 32), new nn.ReLU(), new nn.Linear(32, 10));
const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
const x = randn([32, 64]);
const y = randint(0, 10, [32]);
const start = performance.now();
for (let step = 0; step <= steps; step++) {
  const logits = model.call(x);
  const loss = nn.functional.crossEntropy(logits, y);
  opt.zeroGrad();
  loss.backward();
  opt.step();
  const accuracy = logits.argmax(1).eq(y).float().mean().item();
  if (step % Math.max(1, Math.floor(steps / 10)) === 0) {
    const m = memory();
    const b = m.byBackend[which]?.backend;
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(
      `step ${step}\tloss ${loss.item().toFixed(4)}\taccuracy ${accuracy.toFixed(2)}\tlive storages ${m.storages}\t` +
        `live bytes ${m.bytes}\tbackend handles ${b?.handles}\treserved bytes ${b?.reservedBytes}\t${seconds} s`,
    );
  }
}
