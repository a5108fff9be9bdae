#!/usr/bin/env node
/**
 * The CPU time per MLP step (process.cpuUsage, user + system) of each constraint the overhead targets of
 * issue 11 name, next to the step without a constraint: the bench's MLP (784-256-128-10, batch 128, Adam,
 * the constraint on every Linear weight) through the bench's cp adapter. Each cell runs in a fresh process;
 * the cells of one round are interleaved, and the table shows the median over rounds. On a shared machine
 * CPU time is steadier than wall time: waiting for a core does not count.
 * Usage: node tools/bench/src/constraint-steps.mjs [--engines cp-wasm,cp-wasm-baseline] [--rounds 3]
 *   [--steps 40] [--warmup 8] [--constraints simplex,l1Ball,...]  (a baseline engine needs CP_BENCH_BASELINE)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { mlpInputs } from './data.mjs';
import { ENGINES } from './engines.mjs';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: 'cp-wasm,cp-wasm-baseline' },
    constraints: { type: 'string', default: 'simplex,l1Ball,positive (reparametrize),orthogonal' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '40' },
    warmup: { type: 'string', default: '8' },
    cell: { type: 'string' },
  },
});

/** One cell in this process: the CPU milliseconds per step after the warm-up steps. */
async function cell({ engine, constraint, steps, warmup }) {
  const def = ENGINES[engine];
  const { load } = await import(def.module);
  const cp = await load(def.variant);
  const { x, labels } = mlpInputs();
  const model = cp.mlp(x, labels, constraint ?? undefined);
  for (let i = 0; i < warmup; i++) model.step();
  const t0 = process.cpuUsage();
  let last = 0;
  for (let i = 0; i < steps; i++) last = model.step();
  const dt = process.cpuUsage(t0);
  if (!Number.isFinite(last)) throw new Error(`${engine} ${constraint}: loss ${last}`);
  model.dispose();
  return (dt.user + dt.system) / 1000 / steps;
}

if (values.cell) {
  process.stdout.write(`@@cpu ${await cell(JSON.parse(values.cell))}\n`);
} else {
  const engines = values.engines.split(',');
  const constraints = [null, ...values.constraints.split(',')];
  const self = fileURLToPath(import.meta.url);
  /** @type {Map<string, number[]>} */
  const times = new Map();
  const key = (e, c) => `${e}|${c ?? 'none'}`;
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const constraint of constraints) {
      for (const engine of engines) {
        const spec = { engine, constraint, steps: Number(values.steps), warmup: Number(values.warmup) };
        const out = execFileSync(process.execPath, [self, '--cell', JSON.stringify(spec)], { encoding: 'utf8' });
        const ms = Number(/@@cpu (\S+)/.exec(out)[1]);
        times.set(key(engine, constraint), [...(times.get(key(engine, constraint)) ?? []), ms]);
        process.stderr.write(`round ${r + 1}: ${engine} ${constraint ?? 'none'} ${ms.toFixed(2)} ms\n`);
      }
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const header = engines.flatMap((e) => [`${ENGINES[e].label} CPU ms`, `${ENGINES[e].label} overhead`]);
  console.log(`| constraint on every weight | ${header.join(' | ')} |`);
  console.log(`| --- | ${header.map(() => '---').join(' | ')} |`);
  for (const c of constraints) {
    const cells = engines.flatMap((e) => {
      const ms = median(times.get(key(e, c)));
      const none = median(times.get(key(e, null)));
      return [
        ms.toFixed(2),
        c === null ? '–' : `${ms / none - 1 >= 0 ? '+' : ''}${((ms / none - 1) * 100).toFixed(0)}%`,
      ];
    });
    console.log(`| ${c ?? 'none'} | ${cells.join(' | ')} |`);
  }
}
