/** The text the CLI prints: what it registered, the constraint report, the overhead and the comparison. */
import type { Registration } from '../model.js';
import type { Overhead } from '../train/overhead.js';
import type { RunResult } from '../train/run.js';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`.trimEnd());
}

/** The constraints a run registered, one per line. */
export function registrationLines(regs: readonly Registration[]): string[] {
  return table([['target', 'constraint', 'mode'], ...regs.map((r) => [r.target, r.constraint, r.mode])]);
}

/** The worst violation of every constraint over the run, and the clip statistics. */
export function constraintReportLines(run: RunResult): string[] {
  const rows = run.violations.map((v) => [
    v.name,
    v.constraint,
    v.mode,
    String(v.checks),
    v.maxViolation.toExponential(2),
    v.ok ? 'held' : 'VIOLATED',
  ]);
  const lines = table([['parameter', 'constraint', 'mode', 'checks', 'max violation', 'status'], ...rows]);
  if (run.clip) {
    const c = run.clip;
    lines.push(
      `  gradients  clipGradNorm(maxNorm=${c.maxNorm}): scaled down in ${c.clipped} of ${c.steps} steps (largest norm before the clip ${c.largestNorm.toFixed(3)})`,
    );
  }
  return lines;
}

const PART_LABELS: Record<string, string> = {
  maxNorm: 'maxNorm on 0.weight and 2.weight (projection)',
  positive: 'positive on 5.scale (reparametrization)',
  clip: 'clipGradNorm (global gradient norm)',
  all: 'all of them (this run)',
};

/** The measured per-step cost of each constraint and of all together. */
export function overheadLines(o: Overhead, meanCheckMs: number): string[] {
  const rows = o.variants.map((v) => [
    PART_LABELS[v.name],
    `${v.ms.toFixed(2)} ms`,
    `${v.overheadMs >= 0 ? '+' : ''}${v.overheadMs.toFixed(2)} ms`,
    `${v.overheadPercent >= 0 ? '+' : ''}${v.overheadPercent.toFixed(1)}%`,
  ]);
  return [
    ...table([
      [`variant (median of ${o.steps} alternating steps each)`, 'step', 'overhead', ''],
      ['no constraints', `${o.plainMs.toFixed(2)} ms`, '', ''],
      ...rows,
    ]),
    `  checking every constraint after every step (the report above): ${meanCheckMs.toFixed(2)} ms per step, not part of training`,
  ];
}

/** With and without the constraints side by side. */
export function compareLines(on: RunResult, off: RunResult): string[] {
  const row = (label: string, f: (r: RunResult) => string) => [label, f(on), f(off)];
  return table([
    ['', 'constraints on', 'constraints off'],
    row('held-out accuracy', (r) => pct(r.heldOut.accuracy)),
    row('train accuracy', (r) => pct(r.train.accuracy)),
    row('train - held-out gap', (r) => `${((r.train.accuracy - r.heldOut.accuracy) * 100).toFixed(2)} pts`),
    row('held-out loss', (r) => r.heldOut.loss.toFixed(4)),
    row('largest hidden-unit norm', (r) => Math.max(...Object.values(r.norms).flat()).toFixed(3)),
    row('median step', (r) => `${r.medianStepMs.toFixed(2)} ms`),
    row('wall time', (r) => `${r.seconds.toFixed(1)} s`),
  ]);
}
