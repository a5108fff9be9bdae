#!/usr/bin/env node
/**
 * The soak: `pnpm nx run @cp/soak:soak` (or `node tools/soak/src/main.mjs [flags]` against the built dist/).
 * Trains an MLP for 50,000 steps on each backend with live storage sampled every 1,000 steps (it must stay
 * flat), then on wasm makes and drops 500 models of a few MB (reserved wasm memory must stop growing).
 * Prints one table per run and exits 1 when a check fails. Not part of the test command.
 */
import { parseArgs } from 'node:util';
import { createJsBackend } from '@cp/backend-js';
import { createWasmBackend } from '@cp/backend-wasm';
import { churnSoak } from './churn.mjs';
import { int, table } from './format.mjs';
import { trainSoak } from './train.mjs';

const HELP = `Usage: node tools/soak/src/main.mjs [flags]

  --steps N        training steps per backend (default 50000)
  --every N        steps between samples (default 1000)
  --backends LIST  js,wasm (default both)
  --models N       models made and dropped on wasm (default 500; 0 skips the churn)
  --help`;

const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '50000' },
    every: { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'js,wasm' },
    models: { type: 'string', default: '500' },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

const steps = Number(opts.steps);
const every = Number(opts.every);
const models = Number(opts.models);
// NOTE: the churn's peak is about 20 MB live; a 64 MiB limit leaves room for fragmentation, not for a leak.
const CHURN_LIMIT = 64 << 20;
const makers = { js: () => createJsBackend(), wasm: () => createWasmBackend() };
const failures = [];
const log = (msg) => process.stderr.write(`${msg}\n`);

for (const name of opts.backends.split(',')) {
  if (!makers[name]) throw new Error(`soak: unknown backend '${name}' (js, wasm)`);
  const backend = await makers[name]();
  log(`${name}: ${int(steps)} training steps of a 784-64-10 MLP (Adam, maxNorm, clipNorm, batch 32)`);
  const run = trainSoak({
    backend,
    steps,
    every,
    sizes: [784, 64, 10],
    batch: 32,
    pool: 16,
    onSample: (s) =>
      s.step % (every * 10) === 0 &&
      log(`  step ${int(s.step)}: ${s.storages} storages, ${int(s.msPerStep * 1000)} µs/step`),
  });
  failures.push(...run.failures);
  console.log(`\n${name}: training soak, ${int(steps)} steps (sampled every ${int(every)})\n`);
  console.log(
    table(
      ['step', 'loss', 'live storages', 'live bytes', 'backend handles', 'backend bytes', 'reserved bytes', 'ms/step'],
      run.samples
        .filter((s, i) => i < 3 || s.step % (every * 5) === 0)
        .map((s) => [
          int(s.step),
          s.loss.toFixed(4),
          s.storages,
          int(s.bytes),
          s.handles,
          int(s.backendBytes),
          int(s.reserved),
          s.msPerStep.toFixed(3),
        ]),
    ),
  );
  const total = run.samples.reduce((a, s) => a + s.msPerStep * every, 0) / 1000;
  console.log(
    `${run.samples.length} samples, ${total.toFixed(1)} s; live counts ${run.failures.length === 0 ? 'flat' : 'GREW'}`,
  );

  // NOTE: no backend.dispose() here: the last step's tensors are released by the next backward() (on the next
  // backend), which frees them on this backend, so it must still hold them.
  if (name === 'wasm' && models > 0) {
    log(`${name}: making and dropping ${models} models under a ${CHURN_LIMIT >> 20} MiB limit`);
    const churnBackend = await createWasmBackend({ maxMemoryBytes: CHURN_LIMIT });
    let churn;
    try {
      churn = churnSoak({ backend: churnBackend, count: models, every: Math.max(1, models / 10), steps: 3, batch: 32 });
    } catch (e) {
      churn = { samples: [], failures: [`${name} churn: ${e.name}: ${e.message}`] };
    }
    failures.push(...churn.failures);
    console.log(`\n${name}: ${models} models made, trained 3 steps and dropped (maxMemoryBytes ${int(CHURN_LIMIT)})\n`);
    console.log(
      table(
        ['models', 'last model', 'largest model bytes', 'backend handles', 'backend bytes', 'reserved bytes', 's'],
        churn.samples.map((s) => [
          s.model,
          s.sizes,
          int(s.largestModelBytes),
          s.handles,
          int(s.backendBytes),
          int(s.reserved),
          s.seconds.toFixed(1),
        ]),
      ),
    );
    console.log(`reserved wasm memory ${churn.failures.length === 0 ? 'bounded' : 'GREW'}`);
  }
}

if (failures.length > 0) {
  console.error(`\nsoak FAILED:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\nsoak passed: live storage flat on every backend, wasm memory bounded across model churn');
