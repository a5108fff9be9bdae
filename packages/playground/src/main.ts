/**
 * The playground page: the controls (model, per-layer constraints, optimizer...), starting and stopping the
 * training worker and, once per animation frame, redrawing the live charts of every run (loss, accuracy, the
 * watched layer's constraint violation), the current run's histogram of the watched layer's unit norms, and
 * the figures from its progress messages; when a run ends, it shows that run's held-out confusion matrix and
 * misclassified digits.
 */
import { createJsBackend } from '@cp/backend-js';
import { setBackendSync } from '@cp/core';
import {
  type BackendName,
  confusionChart,
  digitGrid,
  histogram,
  lineChart,
  MODELS,
  type ModelName,
} from '@cp/mnist-demo';
import {
  CONSTRAINT_KINDS,
  type ConstraintKind,
  defaultBound,
  defaultMode,
  hasBound,
  kindsFor,
  type Layer,
  type LayerMode,
  type LayerSetting,
  settingsProblem,
} from './layers.js';
import { type ModelLayers, modelLayers, RUN_DEFAULTS } from './model-layers.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { newRun, type Run, seriesOf } from './runs.js';
import { decodeControls, defaultControls, encodeControls, type ModelCatalog, type RunControls } from './url-state.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

// NOTE: the page builds each model once on the js backend, only to read its layers and default constraints;
// training happens in the worker, on the backend the user picks.
setBackendSync(createJsBackend());
const built = new Map<ModelName, ModelLayers>();
const catalog: ModelCatalog = (name) => {
  let m = built.get(name);
  if (!m) {
    m = modelLayers(MODELS[name]);
    built.set(name, m);
  }
  return m;
};

/** Every run drawn since the page opened or the last "Clear runs"; the last one is the current run. */
let runs: Run[] = [];
let constrained = true;
/** The model whose layers the controls show. */
let shown: ModelLayers = catalog('mlp');
/** The latest unit norms of the current run, for the histogram. */
let norms: Extract<FromWorker, { type: 'norms' }> | null = null;
/** Steps the current run will take (epochs × steps per epoch), for the progress bar. */
let totalSteps = 0;
let runEpochs = 1;
let pending = false;
const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });

function draw(): void {
  pending = false;
  const loss = seriesOf(runs, (r) => r.loss);
  if (loss.length === 0) return;
  $('chart-loss').innerHTML = lineChart({
    title: 'Training loss',
    xLabel: 'step',
    yLabel: 'cross-entropy',
    series: loss,
  });
  // NOTE: a run shows its held-out accuracy once it has two evaluations, its recent training accuracy before.
  $('chart-accuracy').innerHTML = lineChart({
    title: 'Held-out accuracy',
    xLabel: 'step',
    yLabel: 'accuracy',
    yDomain: [0, 1],
    yFormat: (y) => `${Math.round(y * 100)}%`,
    series: seriesOf(runs, (r) => (r.heldOut.length > 1 ? r.heldOut : r.trainAccuracy)),
  });
  const excess = seriesOf(runs, (r) => r.excess);
  if (excess.length > 0) {
    $('chart-violation').innerHTML = lineChart({
      title: "Watched layer's distance outside its constraint",
      xLabel: 'step',
      yLabel: 'violation (0 = inside)',
      yDomain: [0, Math.max(0.25, ...excess.flatMap((s) => s.points.map((p) => p[1])))],
      series: excess,
    });
  }
  const run = runs[runs.length - 1];
  if (norms && run) {
    $('chart-norms').innerHTML = histogram({
      title: `Unit norms of ${norms.layer} at step ${norms.step}`,
      xLabel: norms.norms.length > 1 ? "L2 norm of a unit's incoming weights" : 'absolute value',
      series: [{ name: run.label, color: run.color, values: norms.norms }],
      ...(norms.marker ? { marker: norms.marker } : {}),
    });
  }
}

/** The progress bar and its caption: share of the run's steps done, and the time left at the current speed. */
function showProgress(step: number, stepsPerSecond: number): void {
  const share = totalSteps > 0 ? Math.min(1, step / totalSteps) : 0;
  $<HTMLProgressElement>('progress').value = share;
  const left = stepsPerSecond > 0 ? (totalSteps - step) / stepsPerSecond : 0;
  $('progress-text').textContent =
    `${Math.round(share * 100)}%, step ${step} of ${totalSteps}, ETA ${left.toFixed(0)} s`;
}

function schedule(): void {
  if (!pending) {
    pending = true;
    requestAnimationFrame(draw);
  }
}

function setRunning(running: boolean): void {
  $<HTMLButtonElement>('start').disabled = running;
  $<HTMLButtonElement>('stop').disabled = !running;
  for (const id of ['backend', 'model', 'constraints', 'epochs', 'optimizer', 'lr', 'clear', 'watch'])
    $<HTMLInputElement>(id).disabled = running;
  for (const row of layerRows()) syncRow(row, running);
}

// ---- the per-layer controls ------------------------------------------------------------------------------

const layerRows = (): HTMLElement[] => [...$('layers').querySelectorAll<HTMLElement>('.layer')];
const field = <T extends HTMLElement>(row: HTMLElement, name: string): T =>
  row.querySelector(`[data-field="${name}"]`) as T;

/** Enables a row's bound only for kinds with one, and its mode only when there is a constraint. */
function syncRow(row: HTMLElement, running = false): void {
  const kind = field<HTMLSelectElement>(row, 'kind').value as ConstraintKind;
  field<HTMLSelectElement>(row, 'kind').disabled = running;
  field<HTMLInputElement>(row, 'bound').disabled = running || !hasBound(kind);
  field<HTMLSelectElement>(row, 'mode').disabled = running || kind === 'none';
}

function option(value: string, text = value): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = text;
  return o;
}

/** One layer's row: its name and shape, the constraint kinds it can take, the bound and the mode. */
function layerRow(layer: Layer, s: LayerSetting): HTMLElement {
  const row = document.createElement('div');
  row.className = 'layer';
  row.dataset.layer = layer.name;
  const name = document.createElement('code');
  name.textContent = layer.name;
  const shape = document.createElement('span');
  shape.className = 'shape';
  shape.textContent = `[${layer.shape.join(', ')}]`;
  const kind = document.createElement('select');
  kind.dataset.field = 'kind';
  kind.setAttribute('aria-label', `constraint of ${layer.name}`);
  kind.append(...kindsFor(layer).map((k) => option(k)));
  kind.value = s.kind;
  const bound = document.createElement('input');
  bound.type = 'number';
  bound.step = 'any';
  bound.dataset.field = 'bound';
  bound.setAttribute('aria-label', `bound of ${layer.name}`);
  bound.value = s.bound === null ? '' : String(s.bound);
  const mode = document.createElement('select');
  mode.dataset.field = 'mode';
  mode.setAttribute('aria-label', `mode of ${layer.name}`);
  mode.append(option('project'), option('reparametrize'));
  mode.value = s.mode;
  kind.addEventListener('change', () => {
    const k = kind.value as ConstraintKind;
    bound.value = hasBound(k) ? String(defaultBound(k, shown.maxNorm)) : '';
    mode.value = defaultMode(k);
    syncRow(row);
  });
  row.append(name, shape, kind, bound, mode);
  syncRow(row);
  return row;
}

/** Shows `m`'s layers with `settings`, and the histogram's choice of layer. */
function showLayers(m: ModelLayers, settings: Readonly<Record<string, LayerSetting>>, watch: string): void {
  shown = m;
  $('model-title').textContent = `(${m.title}; ${m.parameters.toLocaleString('en')} parameters)`;
  $('layers').replaceChildren(...m.layers.map((l) => layerRow(l, settings[l.name] ?? m.defaults[l.name])));
  $('watch').replaceChildren(...m.layers.map((l) => option(l.name)));
  $<HTMLSelectElement>('watch').value = watch;
}

/** The settings the controls show now (a bound left empty or not a number reads as NaN, caught on Start). */
function readControls(): RunControls {
  const settings: Record<string, LayerSetting> = {};
  for (const row of layerRows()) {
    const kind = field<HTMLSelectElement>(row, 'kind').value as ConstraintKind;
    const boundText = field<HTMLInputElement>(row, 'bound').value;
    settings[row.dataset.layer!] = {
      kind: CONSTRAINT_KINDS.includes(kind) ? kind : 'none',
      bound: hasBound(kind) ? (boundText === '' ? Number.NaN : Number(boundText)) : null,
      mode: field<HTMLSelectElement>(row, 'mode').value as LayerMode,
    };
  }
  return {
    backend: $<HTMLSelectElement>('backend').value as BackendName,
    constraints: $<HTMLInputElement>('constraints').checked,
    model: shown.model,
    epochs: Number($<HTMLInputElement>('epochs').value),
    optimizer: $<HTMLSelectElement>('optimizer').value as RunControls['optimizer'],
    lr: Number($<HTMLInputElement>('lr').value),
    settings,
    watch: $<HTMLSelectElement>('watch').value,
  };
}

/** Sets every control to `c`. */
function writeControls(c: RunControls): void {
  $<HTMLSelectElement>('backend').value = c.backend;
  $<HTMLSelectElement>('model').value = c.model;
  $<HTMLInputElement>('constraints').checked = c.constraints;
  $<HTMLInputElement>('epochs').value = String(c.epochs);
  $<HTMLSelectElement>('optimizer').value = c.optimizer;
  $<HTMLInputElement>('lr').value = String(c.lr);
  showLayers(catalog(c.model), c.settings, c.watch);
}

$<HTMLSelectElement>('model').addEventListener('change', () => {
  const m = catalog($<HTMLSelectElement>('model').value as ModelName);
  const c = defaultControls(m);
  $<HTMLInputElement>('epochs').value = String(RUN_DEFAULTS[m.model].epochs);
  $<HTMLInputElement>('lr').value = String(RUN_DEFAULTS[m.model].lr);
  showLayers(m, c.settings, c.watch);
});

// ---- the worker's messages -------------------------------------------------------------------------------

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'backend':
      $('status').textContent = `Training on the ${m.name} backend${m.fallback ? ` (${m.fallback})` : ''}…`;
      document.body.dataset.backend = m.name;
      document.body.dataset.threads = m.threads ?? '';
      break;
    case 'registered': {
      totalSteps = m.stepsPerEpoch * runEpochs;
      document.body.dataset.model = m.model;
      document.body.dataset.parameters = String(m.parameters);
      const model = `Training ${m.model} (${m.title}), ${m.parameters.toLocaleString('en')} parameters.`;
      const data = `${m.train} training and ${m.heldOut} held-out digits.`;
      $('registered').textContent = m.registrations.length
        ? `${model} Registered: ${m.registrations.map((r) => `${r.target}: ${r.constraint} (${r.mode})`).join('; ')}. ${data}`
        : `${model} No constraints registered. ${data}`;
      break;
    }
    case 'progress': {
      const run = runs[runs.length - 1];
      run.loss.push([m.step, m.loss]);
      run.trainAccuracy.push([m.step, m.accuracy]);
      $('loss').textContent = m.loss.toFixed(4);
      $('violation').textContent = constrained ? m.maxViolation.toExponential(1) : 'off';
      $('speed').textContent = `${m.stepsPerSecond.toFixed(0)} steps/s`;
      showProgress(m.step, m.stepsPerSecond);
      $('status').textContent = `Epoch ${m.epoch + 1}, step ${m.step} on the ${document.body.dataset.backend} backend…`;
      schedule();
      break;
    }
    case 'norms':
      norms = m;
      if (m.violation !== null) runs[runs.length - 1].excess.push([m.step, m.violation]);
      schedule();
      break;
    case 'heldOut':
      runs[runs.length - 1].heldOut.push([m.step, m.accuracy]);
      $('held-out').textContent = `${(m.accuracy * 100).toFixed(1)}%`;
      $('held-out').dataset.value = String(m.accuracy);
      schedule();
      break;
    case 'predictions':
      $('figures-run').textContent = `Held-out figures of the latest run: ${runs[runs.length - 1].label}.`;
      $('chart-confusion').innerHTML = confusionChart(m.confusion);
      $('chart-misclassified').innerHTML = digitGrid(m.misclassified, 'First misclassified held-out digits');
      break;
    case 'done':
      $('status').textContent =
        `${m.stopped ? 'Stopped' : 'Finished'} after ${m.seconds.toFixed(1)} s on the ${document.body.dataset.backend} backend.`;
      setRunning(false);
      break;
    case 'error':
      $('status').textContent = `Error: ${m.message}`;
      setRunning(false);
      break;
  }
};

// ---- start, stop, clear ----------------------------------------------------------------------------------

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  const read = readControls();
  const problem = settingsProblem(shown.layers, read.settings);
  if (problem) {
    $('status').textContent = `Cannot start: ${problem}.`;
    return;
  }
  const controls = decodeControls(encodeControls(read), catalog);
  constrained = controls.constraints;
  runEpochs = controls.epochs;
  $('held-out').textContent = '–';
  $('held-out').dataset.value = '0';
  setRunning(true);
  runs.push(newRun(controls, shown.layers, runs.length));
  norms = null;
  history.replaceState(null, '', `#${encodeControls(controls)}`);
  const msg: ToWorker = { type: 'start', ...controls, layers: shown.layers, batch: 64, seed: 0 };
  worker.postMessage(msg);
});

writeControls(decodeControls(location.hash, catalog));

$('stop').addEventListener('click', () => worker.postMessage({ type: 'stop' } satisfies ToWorker));

$('clear').addEventListener('click', () => {
  runs = [];
  norms = null;
  for (const id of [
    'chart-loss',
    'chart-accuracy',
    'chart-violation',
    'chart-norms',
    'chart-confusion',
    'chart-misclassified',
  ])
    $(id).innerHTML = '';
  $('figures-run').textContent = '';
});
