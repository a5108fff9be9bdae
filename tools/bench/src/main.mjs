#!/usr/bin/env node
/**
 * The cp benchmark: every engine × case in its own fresh process (worker.mjs), the whole set repeated R
 * times round-robin, then one table of medians and cp/peer ratios (and the constraints' overhead table).
 * `node src/main.mjs --help` lists the flags.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONSTRAINTS } from './engines/cp.mjs';
import { CP_ENGINES, ENGINES } from './engines.mjs';
import { aggregate, constraintsTable, mainTable, Notes, renderMarkdown, renderTerminal, rowKey } from './report.mjs';

const CASES = ['matmul', 'elementwise', 'mlp', 'cnn', 'lstm', 'vit', 'constraints'];
// NOTE: the constraints table runs on cp's engines, and on baseline builds (CP_BENCH_BASELINE) for before/after.
const CONSTRAINT_ENGINES = [...CP_ENGINES, 'cp-js-baseline', 'cp-wasm-baseline'];
const HELP = `Usage: pnpm bench [-- flags]   (or: node tools/bench/src/main.mjs [flags])

  --only LIST       cases, comma-separated: ${CASES.join(',')} (default: all)
  --engines LIST    engines, comma-separated: ${Object.keys(ENGINES).join(',')} (default: all)
  --sizes LIST      matmul sizes (default: 64,256,512,1024)
  --repeat R        fresh processes per cell (default: 3; 1 with --quick)
  --quick           few repetitions, one process per cell: a smoke run for CI, not numbers to report
  --timeout S       seconds before a worker process is killed (default: 300)
  --json FILE       also write every raw result to FILE
  --markdown        print the tables as Markdown (for docs/performance.md)
  --help`;

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string' },
    engines: { type: 'string' },
    sizes: { type: 'string' },
    repeat: { type: 'string' },
    quick: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '300' },
    json: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (opts.help) {
  console.log(HELP);
  process.exit(0);
}

function list(value, allowed, what) {
  if (!value) return [...allowed];
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length) {
    console.error(`unknown ${what}: ${bad.join(', ')}; known: ${allowed.join(', ')}`);
    process.exit(2);
  }
  return allowed.filter((a) => items.includes(a));
}

const cases = list(opts.only, CASES, 'case');
const engines = list(opts.engines, Object.keys(ENGINES), 'engine');
const sizes = (opts.sizes ?? '64,256,512,1024').split(',').map(Number);
const repeat = Number(opts.repeat ?? (opts.quick ? 1 : 3));
const timeoutMs = Number(opts.timeout) * 1000;
if (!(repeat >= 1) || sizes.some((n) => !(n >= 1))) {
  console.error('--repeat and --sizes need positive integers');
  process.exit(2);
}

/** Every cell to run once per repeat, in table order. */
const specs = [];
for (const c of cases) {
  if (c === 'matmul') for (const n of sizes) for (const engine of engines) specs.push({ engine, case: 'matmul', n });
  if (['elementwise', 'mlp', 'cnn', 'lstm', 'vit'].includes(c))
    for (const engine of engines) specs.push({ engine, case: c });
  if (c === 'constraints') {
    for (const constraint of [null, ...Object.keys(CONSTRAINTS)]) {
      for (const engine of engines.filter((e) => CONSTRAINT_ENGINES.includes(e)))
        specs.push({ engine, case: 'mlp', constraint, table: 'constraints' });
    }
  }
}

const worker = join(dirname(fileURLToPath(import.meta.url)), 'worker.mjs');

/** Runs one spec in a fresh Node process; resolves to its result object (never rejects). */
function runWorker(spec) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [worker, JSON.stringify({ ...spec, quick: opts.quick })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@result '));
      if (line) return resolve(JSON.parse(line.slice(9)));
      const why =
        signal === 'SIGKILL'
          ? `timed out after ${timeoutMs / 1000} s`
          : `exit ${code ?? signal}: ${err.trim().split('\n').slice(-1)[0] ?? ''}`;
      resolve({ ...spec, ok: false, error: `worker ${why}` });
    });
  });
}

function describe(spec) {
  return [spec.engine, spec.case, spec.n ? `N=${spec.n}` : '', spec.table ? (spec.constraint ?? 'no constraint') : '']
    .filter(Boolean)
    .join(' ');
}

const machine = {
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  loadavgStart: os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' '),
};
const command = `node tools/bench/src/main.mjs ${process.argv.slice(2).join(' ')}`.trim();
const started = Date.now();
console.error(
  `cp bench: ${specs.length} cells × ${repeat} process(es), ${opts.quick ? 'quick' : 'full'} budget; load average ${machine.loadavgStart}`,
);

const results = [];
let done = 0;
for (let r = 0; r < repeat; r++) {
  for (const spec of specs) {
    const res = await runWorker(spec);
    results.push(res);
    done += 1;
    const what = res.ok
      ? res.case === 'matmul'
        ? `${((2 * res.n ** 3) / (res.median * 1e6)).toFixed(2)} GFLOP/s`
        : `${res.median.toFixed(2)} ms${res.check?.first !== undefined ? ` (loss ${res.check.first.toFixed(3)} -> ${res.check.last.toFixed(3)})` : ''}`
      : `n/a: ${res.error}`;
    console.error(`[${done}/${specs.length * repeat}] ${describe(spec)}: ${what}`);
  }
}
machine.loadavgEnd = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');

// Group by table, row, engine.
const main = new Map();
const constraints = new Map();
for (const spec of specs) {
  const table = spec.table === 'constraints' ? constraints : main;
  const row = spec.table === 'constraints' ? (spec.constraint ?? 'none') : rowKey(spec);
  if (!table.has(row)) table.set(row, new Map());
  const mine = results.filter(
    (x) =>
      x.engine === spec.engine &&
      rowKey(x) === rowKey(spec) &&
      (x.constraint ?? null) === (spec.constraint ?? null) &&
      x.table === spec.table &&
      x.n === spec.n,
  );
  table.get(row).set(spec.engine, aggregate(mine));
}

const notes = new Notes();
const render = opts.markdown ? renderMarkdown : renderTerminal;
const header = [
  opts.markdown
    ? `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node}, ${machine.platform}; load average ${machine.loadavgStart} at start, ${machine.loadavgEnd} at end.`
    : `${machine.cpu} ×${machine.cores}, Node ${machine.node}; load ${machine.loadavgStart} → ${machine.loadavgEnd}`,
  `Command: ${command} (${repeat} process(es) per cell, ${Math.round((Date.now() - started) / 1000)} s).`,
  "Cells: median over processes of each process's median; ± is half the IQR of all repetitions, relative. Ratios: cp / peer speed, > 1 means cp is faster.",
];
// Markdown needs blank lines between the header lines, or they run into one paragraph.
const out = [header.join(opts.markdown ? '\n\n' : '\n')];
if (main.size) out.push('', render(mainTable(main, engines, notes)));
if (constraints.size) {
  out.push(
    '',
    'MLP step with a constraint registered on every Linear weight (biases free); overhead vs no constraint:',
  );
  out.push(
    '',
    render(
      constraintsTable(
        constraints,
        engines.filter((e) => CONSTRAINT_ENGINES.includes(e)),
        notes,
      ),
    ),
  );
}
if (notes.list.length) out.push('', ...notes.list.map((n, i) => `${opts.markdown ? '- ' : ''}[${i + 1}] ${n}`));
console.log(out.join('\n'));

if (opts.json) {
  const aggregateOf = (table) => Object.fromEntries([...table].map(([row, m]) => [row, Object.fromEntries(m)]));
  writeFileSync(
    opts.json,
    `${JSON.stringify({ machine, command, repeat, quick: opts.quick, main: aggregateOf(main), constraints: aggregateOf(constraints), results }, null, 2)}\n`,
  );
  console.error(`wrote ${opts.json}`);
}
