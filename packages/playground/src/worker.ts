/**
 * The training worker: builds the model the page picked (one of `@cp/mnist-demo`'s specs), registers the
 * per-layer constraints the page set, and trains it with the demo's `Trainer` off the main thread, so the page
 * stays responsive. It reports progress every few steps (the watched layer's unit norms every few reports) and
 * yields to its event loop between reports so a `stop` message is seen promptly. A setting core refuses ends
 * the run with an `error` message; the worker stays ready for the next one.
 */

import { manualSeed } from '@cp/core';
import { clipRegistration, DEFAULT_SETTINGS, type Digits, MODELS, split, Trainer, useBackend } from '@cp/mnist-demo';
import { buildConstraint, registerLayerConstraints } from './build-constraint.js';
import { fetchDigits } from './digits.js';
import { DIGITS_FILE } from './digits-file.js';
import { heldOutFigures } from './held-out-figures.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { watchFigures } from './watch.js';

/** The part of the worker's global scope used here (the DOM lib types `self` as a window). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
const REPORT_EVERY = 5;
const EVAL_EVERY = 25;
/** Reports between two posts of the watched layer's norms and violation. */
const NORMS_EVERY = 4;
let digits: Promise<Digits> | null = null;
let stopRequested = false;

const post = (m: FromWorker): void => scope.postMessage(m);
const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

async function train(cfg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const backend = await useBackend(cfg.backend);
  post({ type: 'backend', ...backend });
  digits ??= fetchDigits(new URL(`${import.meta.env.BASE_URL}${DIGITS_FILE}`, self.location.origin));
  const data = split(await digits, { seed: cfg.seed, heldOutFraction: DEFAULT_SETTINGS.heldOutFraction });
  const spec = MODELS[cfg.model];
  const { clipNorm } = spec.defaults;
  manualSeed(cfg.seed);
  const model = spec.create();
  const watched = cfg.layers.find((l) => l.name === cfg.watch) ?? cfg.layers[0];
  const watchSetting = cfg.settings[watched.name];
  let trainer: Trainer | null = null;
  try {
    // NOTE: the watched layer's constraint is built even when the run trains without constraints, so the
    // violation chart shows how far an unconstrained layer strays from the set it would have.
    const watchConstraint = buildConstraint(watched, watchSetting);
    const registrations = cfg.constraints ? registerLayerConstraints(model, cfg.layers, cfg.settings) : [];
    if (cfg.constraints)
      registrations.push(clipRegistration(clipNorm, 'caps the size of an update from an unlucky batch'));
    // NOTE: the constraints are checked at every report, not after every step (`check: false`): spectralNorm's
    // exact check on the MLP's 256x784 weight takes longer than ten of its steps.
    trainer = new Trainer(model, data.train, {
      batch: cfg.batch,
      lr: cfg.lr,
      optimizer: cfg.optimizer,
      seed: cfg.seed,
      clipNorm: cfg.constraints ? clipNorm : null,
      inputShape: spec.inputShape,
      check: false,
    });
    post({
      type: 'registered',
      model: spec.name,
      title: spec.title,
      parameters: model.parameters().reduce((n, p) => n + p.size, 0),
      registrations,
      train: data.train.count,
      heldOut: data.heldOut.count,
      stepsPerEpoch: trainer.stepsPerEpoch,
    });
    const start = performance.now();
    let loss = 0;
    let correct = 0;
    let seen = 0;
    const total = cfg.epochs * trainer.stepsPerEpoch;
    while (trainer.steps < total && !stopRequested) {
      const s = trainer.step();
      loss += s.loss * s.size;
      correct += s.correct;
      seen += s.size;
      if (trainer.steps % REPORT_EVERY === 0 || trainer.steps === total) {
        trainer.monitor.observe(model);
        post({
          type: 'progress',
          step: trainer.steps,
          epoch: trainer.epoch,
          loss: loss / seen,
          accuracy: correct / seen,
          maxViolation: Math.max(0, ...trainer.monitor.report().map((r) => r.maxViolation)),
          stepsPerSecond: trainer.steps / ((performance.now() - start) / 1000),
        });
        if (trainer.steps % (REPORT_EVERY * NORMS_EVERY) === 0 || trainer.steps === total) {
          const figures = watchFigures(model.getParameter(watched.name), watchSetting, watchConstraint);
          post({ type: 'norms', step: trainer.steps, layer: watched.name, ...figures });
        }
        loss = correct = seen = 0;
        await yieldToEvents();
      }
      if (trainer.steps % EVAL_EVERY === 0 || trainer.steps === total) {
        post({ type: 'heldOut', step: trainer.steps, accuracy: trainer.evaluate(data.heldOut).accuracy });
      }
    }
    post({ type: 'predictions', ...heldOutFigures(trainer, data.heldOut) });
    post({ type: 'done', stopped: stopRequested, seconds: (performance.now() - start) / 1000 });
  } finally {
    if (trainer) trainer.dispose();
    else model.dispose();
  }
}

let running: Promise<void> = Promise.resolve();

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    stopRequested = true;
    return;
  }
  stopRequested = true;
  running = running.then(() => {
    stopRequested = false;
    return train(msg).catch((err: unknown) =>
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  });
};
