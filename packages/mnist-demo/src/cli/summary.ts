/**
 * The text the CLI prints: what it registered and why, the constraint report, the overhead, the comparison
 * with and without constraints, and the comparison of several models.
 */
import type { ModelSpec, Registration } from '../models/spec.js';
import { constraintsCell, overheadPercent, variantLabel } from '../report/labels.js';
import type { Overhead } from '../train/overhead.js';
import type { RunResult } from '../train/run.js';
import { signed, spreadText } from '../train/spread.js';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`.trimEnd());
}

/** The constraints a run registered, one per line, each with why the model carries it. */
export function registrationLines(regs: readonly Registration[]): string[] {
  return table([['target', 'constraint', 'mode', 'why'], ...regs.map((r) => [r.target, r.constraint, r.mode, r.why])]);
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

/**
 * The measured per-step cost of each of `spec`'s constraints and of all together: each figure the median of
 * the per-round paired differences with its interquartile range, `within noise` when that range spans 0.
 */
export function overheadLines(spec: ModelSpec, o: Overhead, meanCheckMs: number): string[] {
  const rows = o.variants.map((v) => [
    variantLabel(spec, v.name),
    `${v.ms.toFixed(2)} ms`,
    spreadText(v.spreadMs, 2, ' ms'),
    spreadText(v.spreadPercent, 1, '%'),
  ]);
  return [
    ...table([
      [
        `variant (${o.rounds} rounds of ${o.steps / o.rounds} step${o.steps === o.rounds ? '' : 's'} each)`,
        'step',
        'overhead (median, IQR over rounds)',
        '',
      ],
      ['no constraints', `${o.plainMs.toFixed(2)} ms`, '', ''],
      ...rows,
    ]),
    `  the measurement took ${o.seconds.toFixed(1)} s; checking every constraint after every step (the report above): ${meanCheckMs.toFixed(2)} ms per step, not part of training`,
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
    row('largest unit norm', (r) => Math.max(...Object.values(r.norms).flat()).toFixed(3)),
    row('median step', (r) => `${r.medianStepMs.toFixed(2)} ms`),
    row('wall time', (r) => `${r.seconds.toFixed(1)} s`),
  ]);
}

/** One model's figures for the comparison of several models (its first run: the one the settings ask for). */
export interface ModelFigures {
  run: RunResult;
  epochs: number;
  overhead: Overhead | null;
}

/** Several models side by side: accuracy, speed, constraint overhead, size (constraints are listed below). */
export function modelComparisonLines(models: readonly ModelFigures[]): string[] {
  const rows = models.map(({ run, epochs, overhead }) => {
    const o = overheadPercent(overhead);
    return [
      run.spec.name,
      String(epochs),
      pct(run.heldOut.accuracy),
      pct(run.train.accuracy),
      `${run.medianStepMs.toFixed(1)} ms`,
      o === null ? '-' : `${signed(o, 1)}%`,
      `${run.seconds.toFixed(1)} s`,
      run.parameterCount.toLocaleString('en-US'),
    ];
  });
  const lines = table([
    ['model', 'epochs', 'held-out', 'train', 'median step', 'constraint overhead', 'run time', 'parameters'],
    ...rows,
  ]);
  for (const { run } of models) lines.push(`  ${run.spec.name} constraints: ${constraintsCell(run)}`);
  return lines;
}
