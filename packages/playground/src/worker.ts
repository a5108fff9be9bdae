/**
 * The training worker: runs the demo's model and trainer off the main thread, so the page stays
 * responsive, and reports progress every few steps (the hidden units' norms every few reports). It yields to its event loop between reports so a
 * `stop` message is seen promptly.
 */

import { manualSeed } from '@cp/core';
import {
  createModel,
  DEFAULT_SETTINGS,
  type Digits,
  HIDDEN_WEIGHTS,
  registerConstraints,
  rowNorms,
  split,
  Trainer,
  useBackend,
} from '@cp/mnist-demo';
import { fetchDigits } from './digits.js';
import { DIGITS_FILE } from './digits-file.js';
import { heldOutFigures } from './held-out-figures.js';
import type { FromWorker, ToWorker } from './protocol.js';

/** The part of the worker's global scope used here (the DOM lib types `self` as a window). */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
}

const scope = self as unknown as WorkerScope;
const REPORT_EVERY = 5;
const EVAL_EVERY = 25;
/** Reports between two posts of the unit norms for the histogram. */
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
  const settings = { ...DEFAULT_SETTINGS, ...cfg };
  manualSeed(cfg.seed);
  const model = createModel();
  const registrations = cfg.constraints ? registerConstraints(model, settings) : [];
  const trainer = new Trainer(model, data.train, {
    batch: cfg.batch,
    lr: cfg.lr,
    optimizer: cfg.optimizer,
    seed: cfg.seed,
    clipNorm: cfg.constraints ? settings.clipNorm : null,
  });
  post({
    type: 'registered',
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
      const norms = HIDDEN_WEIGHTS.flatMap((name) => rowNorms(model.getParameter(name)));
      post({
        type: 'progress',
        step: trainer.steps,
        epoch: trainer.epoch,
        loss: loss / seen,
        accuracy: correct / seen,
        excess: Math.max(0, Math.max(...norms) - settings.maxNorm),
        maxViolation: Math.max(0, ...trainer.monitor.report().map((r) => r.maxViolation)),
        stepsPerSecond: trainer.steps / ((performance.now() - start) / 1000),
      });
      if (trainer.steps % (REPORT_EVERY * NORMS_EVERY) === 0 || trainer.steps === total) {
        post({ type: 'norms', step: trainer.steps, norms, bound: settings.maxNorm });
      }
      loss = correct = seen = 0;
      await yieldToEvents();
    }
    if (trainer.steps % EVAL_EVERY === 0 || trainer.steps === total) {
      post({ type: 'heldOut', step: trainer.steps, accuracy: trainer.evaluate(data.heldOut).accuracy });
    }
  }
  post({ type: 'predictions', ...heldOutFigures(trainer, data.heldOut) });
  trainer.dispose();
  post({ type: 'done', stopped: stopRequested, seconds: (performance.now() - start) / 1000 });
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
