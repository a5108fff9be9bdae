#!/usr/bin/env node
/**
 * Live storage after each everyday loop, each in a fresh process, written with no tidy and no dispose:
 * `node tools/soak/src/loops.mjs [--iterations N] [--backend js|wasm]`. A 784-256-128-10 MLP with batch 512,
 * as in issue 9's report. Prints the storages and MB each loop leaves live beyond its model and data, and
 * any error a loop hit.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const LOOPS = ['training', 'evaluation', 'inference', 'forwardOnly', 'twoModels', 'retainGrad'];

const { values: opts } = parseArgs({
  options: {
    iterations: { type: 'string', default: '200' },
    backend: { type: 'string', default: 'wasm' },
    loop: { type: 'string' },
  },
});

if (!opts.loop) {
  console.log(`${opts.backend}, ${opts.iterations} iterations of each loop, 784-256-128-10 MLP, batch 512`);
  for (const loop of LOOPS) {
    const args = [
      fileURLToPath(import.meta.url),
      '--loop',
      loop,
      '--backend',
      opts.backend,
      '--iterations',
      opts.iterations,
    ];
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
  }
} else {
  const cp = await import('@cp/core');
  const backend =
    opts.backend === 'wasm'
      ? await (await import('@cp/backend-wasm')).createWasmBackend()
      : (await import('@cp/backend-js')).createJsBackend();
  cp.setBackendSync(backend);
  const F = cp.nn.functional;
  const { Linear, ReLU, Sequential } = cp.nn;
  const mlp = () =>
    new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(), new Linear(128, 10));
  const x = cp.randn([512, 784]);
  const y = cp.randint(0, 10, [512]);
  const train = (m, o) => {
    const loss = F.crossEntropy(m.call(x), y);
    o.zeroGrad();
    loss.backward();
    o.step();
    return loss;
  };
  const bodies = {
    training: (m, o) => train(m, o).item(),
    evaluation: (m) => cp.noGrad(() => m.call(x).argmax(1).eq(y).float().mean().item()),
    inference: (m) => {
      m.eval();
      m.call(x).softmax(1).argmax(1).toArray();
      m.train();
    },
    forwardOnly: (m) => F.crossEntropy(m.call(x), y).item(),
    twoModels: (m, o, m2, o2) => {
      const a = train(m, o);
      const b = train(m2, o2);
      return a.item() + b.item();
    },
    retainGrad: (m, o) => {
      const logits = m.call(x);
      logits.retainGrad();
      const loss = F.crossEntropy(logits, y);
      o.zeroGrad();
      loss.backward();
      o.step();
      return logits.grad.abs().sum().item();
    },
  };
  const [m, m2] = [mlp(), mlp()];
  const [o, o2] = [new cp.optim.Adam(m.parameters()), new cp.optim.Adam(m2.parameters())];
  const base = cp.memory();
  let error = '';
  const n = Number(opts.iterations);
  try {
    for (let i = 0; i < n; i++) bodies[opts.loop](m, o, m2, o2);
  } catch (e) {
    error = `  ${e.name}: ${e.message.slice(0, 90)}...`;
  }
  const mem = cp.memory();
  const mb = ((mem.bytes - base.bytes) / 1e6).toFixed(1);
  console.log(`${opts.loop.padEnd(12)} +${mem.storages - base.storages} storages, +${mb} MB${error}`);
}
