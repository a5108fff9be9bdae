// The bench CNN training step (data.mjs CNN: conv 1->16 3x3, ReLU, maxPool 2, conv 16->32 3x3, ReLU,
// maxPool 2, Linear 800->10, batch 64, Adam) on the wasm backend at 1 thread and at 2 (or `--threads N`),
// each in fresh processes, alternating, `--repeat R` processes per count (default 5); prints the median
// over processes of each process's median step time and the speedup. The main bench times this step on
// `cp-wasm` only. Usage: node tools/bench/src/cnn-threads.mjs [--threads 2] [--repeat 5]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (process.argv.includes('--child')) {
  const threads = flag('--child', 1);
  const cp = await import('@cp/core');
  const { createWasmBackend } = await import('@cp/backend-wasm');
  const { CNN, cnnInputs } = await import('./data.mjs');
  const be = await createWasmBackend({ threads });
  cp.setBackendSync(be);
  cp.manualSeed(1);
  const { nn, optim } = cp;
  const model = new nn.Sequential(
    new nn.Conv2d(1, 16, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(16, 32, 3),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(800, CNN.classes),
  );
  const opt = new optim.Adam(model.parameters(), { lr: CNN.lr });
  const { x, labels } = cnnInputs();
  const X = cp.tensor(x, { shape: [CNN.batch, 1, CNN.side, CNN.side] });
  const Y = cp.tensor(labels, { dtype: 'int32', shape: [CNN.batch] });
  const step = () => {
    const loss = nn.functional.crossEntropy(model.call(X), Y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  for (let i = 0; i < 5; i++) step();
  const times = [];
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    step();
    times.push(performance.now() - t);
  }
  console.log(JSON.stringify({ ms: median(times) }));
  be.dispose();
} else {
  const threads = flag('--threads', 2);
  const repeat = flag('--repeat', 5);
  const self = fileURLToPath(import.meta.url);
  console.log(`load average ${load()} at start`);
  const ms = { 1: [], [threads]: [] };
  for (let r = 0; r < repeat; r++) {
    for (const t of [1, threads]) {
      const run = spawnSync(process.execPath, [self, '--child', String(t)], { encoding: 'utf8', timeout: 300_000 });
      if (run.status !== 0) throw new Error(`cnn-threads: the ${t}-thread process failed: ${run.stderr}`);
      ms[t].push(JSON.parse(run.stdout.trim().split('\n').pop()).ms);
    }
  }
  const [one, many] = [median(ms[1]), median(ms[threads])];
  console.log(
    `CNN step, batch 64: 1 thread ${one.toFixed(2)} ms, ${threads} threads ${many.toFixed(2)} ms, ${(one / many).toFixed(2)}x`,
  );
  console.log(
    `per process: 1 thread ${ms[1].map((v) => v.toFixed(1)).join(' ')}; ${threads}: ${ms[threads].map((v) => v.toFixed(1)).join(' ')}`,
  );
  console.log(`load average ${load()} at end`);
}
