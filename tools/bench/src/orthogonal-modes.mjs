#!/usr/bin/env node
/**
 * Which mode to use for `orthogonal()`: trains the same problem, a least-squares fit `min ||A W − B||²/N` over
 * W (32×16) with orthonormal columns, with SGD, SGD with momentum and Adam, in project and reparametrize mode,
 * and prints each run's final loss relative to the best loss any run reached (the constrained optimum, as far
 * as any optimizer finds it). Usage: node tools/bench/src/orthogonal-modes.mjs [--steps N] [--seeds K]
 * (needs a built checkout: pnpm build).
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '600' }, seeds: { type: 'string', default: '3' } },
});
const steps = Number(values.steps);
const cp = await import('../../../packages/core/dist/index.js');
const { createJsBackend } = await import('../../../packages/backend-js/dist/index.js');
cp.setBackendSync(createJsBackend());
const C = cp.constraints;

const OPTIMIZERS = {
  'SGD lr 0.05': (p) => new cp.optim.SGD(p, { lr: 0.05 }),
  'SGD lr 0.01, momentum 0.9': (p) => new cp.optim.SGD(p, { lr: 0.01, momentum: 0.9 }),
  'Adam lr 0.01': (p) => new cp.optim.Adam(p, { lr: 0.01 }),
};

/** Final loss of one run. */
function run(seed, mode, makeOpt) {
  return cp.tidy(() => {
    cp.manualSeed(seed);
    const N = 256;
    // NOTE: correlated, unevenly scaled inputs, so the constrained optimum is not a plain projection.
    const A = cp.randn([N, 32]).mul(cp.linspace(0.2, 3, 32));
    const Wtrue = C.orthogonal().project(cp.randn([32, 16]));
    const B = A.matmul(Wtrue).add(cp.randn([N, 16]).mul(0.5));
    cp.manualSeed(seed + 1000);
    const W = new cp.nn.Parameter(cp.randn([32, 16]));
    C.registerConstraint(W, C.orthogonal(), { mode });
    const opt = makeOpt([W]);
    const loss = () => A.matmul(W).sub(B).square().sum().div(N);
    for (let s = 0; s < steps; s++) {
      cp.tidy(() => {
        opt.zeroGrad();
        loss().backward();
        opt.step();
      });
    }
    return cp.noGrad(() => loss().item());
  });
}

const rows = [];
for (let seed = 1; seed <= Number(values.seeds); seed++) {
  const results = [];
  for (const [name, make] of Object.entries(OPTIMIZERS))
    for (const mode of ['project', 'reparametrize']) results.push({ name, mode, loss: run(seed, mode, make) });
  const best = Math.min(...results.map((r) => r.loss));
  for (const r of results) rows.push({ ...r, seed, above: (r.loss / best - 1) * 100 });
}
console.log(`orthogonal(): final loss above the best run, ${steps} steps, per seed (W 32×16, least squares)\n`);
console.log('| optimizer | project mode | reparametrize mode |\n| --- | --- | --- |');
for (const name of Object.keys(OPTIMIZERS)) {
  const cell = (mode) =>
    rows
      .filter((r) => r.name === name && r.mode === mode)
      .map((r) => `+${r.above.toFixed(1)}%`)
      .join(', ');
  console.log(`| ${name} | ${cell('project')} | ${cell('reparametrize')} |`);
}
