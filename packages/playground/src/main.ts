/**
 * The playground page: starts and stops the training worker and, once per animation frame, redraws the live
 * charts of every run (loss, accuracy, constraint violation), the current run's histogram of unit norms, and
 * the figures from its progress messages; when a run ends, it shows that run's held-out confusion matrix and
 * misclassified digits.
 */
import { type BackendName, confusionChart, digitGrid, histogram, lineChart } from '@cp/mnist-demo';
import type { FromWorker, ToWorker } from './protocol.js';
import { newRun, type Run, seriesOf } from './runs.js';
import { decodeControls, encodeControls, type RunControls } from './url-state.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

/** Every run drawn since the page opened or the last "Clear runs"; the last one is the current run. */
let runs: Run[] = [];
let constrained = true;
/** The latest unit norms of the current run, for the histogram. */
let norms: Extract<FromWorker, { type: 'norms' }> | null = null;
/** Steps the current run will take (epochs × steps per epoch), for the progress bar. */
let totalSteps = 0;
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
  $('chart-violation').innerHTML = lineChart({
    title: 'Largest unit norm above the maxNorm bound',
    xLabel: 'step',
    yLabel: 'norm − bound (0 = inside)',
    yDomain: [0, Math.max(0.25, ...excess.flatMap((s) => s.points.map((p) => p[1])))],
    series: excess,
  });
  const run = runs[runs.length - 1];
  if (norms && run) {
    $('chart-norms').innerHTML = histogram({
      title: `Hidden-unit norms at step ${norms.step}`,
      xLabel: "L2 norm of a unit's incoming weights",
      series: [{ name: run.label, color: run.color, values: norms.norms }],
      marker: { at: norms.bound, label: `maxNorm ${norms.bound}` },
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
  for (const id of ['backend', 'constraints', 'epochs', 'optimizer', 'lr', 'clear'])
    $<HTMLInputElement>(id).disabled = running;
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'backend':
      $('status').textContent = `Training on the ${m.name} backend${m.fallback ? ` (${m.fallback})` : ''}…`;
      document.body.dataset.backend = m.name;
      document.body.dataset.threads = m.threads ?? '';
      break;
    case 'registered':
      totalSteps = m.stepsPerEpoch * (Number($<HTMLInputElement>('epochs').value) || 1);
      $('registered').textContent = m.registrations.length
        ? `Registered: ${m.registrations.map((r) => `${r.target}: ${r.constraint} (${r.mode})`).join('; ')}. ${m.train} training and ${m.heldOut} held-out digits.`
        : `No constraints registered. ${m.train} training and ${m.heldOut} held-out digits.`;
      break;
    case 'progress': {
      const run = runs[runs.length - 1];
      run.loss.push([m.step, m.loss]);
      run.trainAccuracy.push([m.step, m.accuracy]);
      run.excess.push([m.step, m.excess]);
      $('loss').textContent = m.loss.toFixed(4);
      $('violation').textContent = constrained
        ? m.maxViolation.toExponential(1)
        : `off (norm ${m.excess > 0 ? `+${m.excess.toFixed(3)} over` : 'inside'})`;
      $('speed').textContent = `${m.stepsPerSecond.toFixed(0)} steps/s`;
      showProgress(m.step, m.stepsPerSecond);
      $('status').textContent = `Epoch ${m.epoch + 1}, step ${m.step} on the ${document.body.dataset.backend} backend…`;
      schedule();
      break;
    }
    case 'norms':
      norms = m;
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

$('controls').addEventListener('submit', (e) => {
  e.preventDefault();
  constrained = $<HTMLInputElement>('constraints').checked;
  $('held-out').textContent = '–';
  $('held-out').dataset.value = '0';
  setRunning(true);
  const controls = decodeControls(
    encodeControls({
      backend: $<HTMLSelectElement>('backend').value as BackendName,
      constraints: constrained,
      epochs: Number($<HTMLInputElement>('epochs').value),
      optimizer: $<HTMLSelectElement>('optimizer').value as RunControls['optimizer'],
      lr: Number($<HTMLInputElement>('lr').value),
    }),
  );
  runs.push(newRun(controls, runs.length));
  norms = null;
  history.replaceState(null, '', `#${encodeControls(controls)}`);
  const msg: ToWorker = { type: 'start', ...controls, batch: 64, seed: 0 };
  worker.postMessage(msg);
});

/** Sets the controls from the URL hash, so a shared link opens with its run's settings. */
function restore(): void {
  const c = decodeControls(location.hash);
  $<HTMLSelectElement>('backend').value = c.backend;
  $<HTMLInputElement>('constraints').checked = c.constraints;
  $<HTMLInputElement>('epochs').value = String(c.epochs);
  $<HTMLSelectElement>('optimizer').value = c.optimizer;
  $<HTMLInputElement>('lr').value = String(c.lr);
}

restore();

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
