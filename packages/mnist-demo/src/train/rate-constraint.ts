/**
 * The rate-constrained run of the main job (`--rate-constraint`): the MLP trained with a floor on the recall
 * of one digit class, solved with `optim.Lagrangian` (the proxy-Lagrangian of Cotter et al. 2019), next to
 * the same run without the constraint from the same seed. The constrained class is the baseline's weakest on
 * a "constraint set" carved out of the training digits (never the held-out digits, which only report). The
 * constraint's `fn` is a differentiable surrogate of the recall on the training batch (the mean log-softmax
 * probability of the class over the batch's digits of that class); its `proxy`, which moves the multiplier,
 * is the actual recall on a batch of that class's digits from the constraint set, so the multiplier answers
 * the rate the model reaches on digits it is not trained on. Browser-safe.
 */
import { constraints, F, Generator, manualSeed, noGrad, optim, type Tensor, tensor, tidy } from '@cp/core';
import { type Digits, PIXELS, permutation, pick } from '../data/digits.js';
import { createModel } from '../models/mlp.js';
import type { RunSettings } from './settings.js';

/** The settings of the rate-constrained comparison. */
export interface RateSettings {
  /** The recall the constrained class must reach (on the constraint set). */
  floor: number;
  /** The multiplier's ascent step. */
  dualLr: number;
  /** The digit class to constrain (null: the baseline's weakest on the constraint set). */
  digit: number | null;
  /** Part of the training digits set aside as the constraint set (the proxy's data). */
  constraintFraction: number;
  /** Digits of the constrained class in each proxy batch. */
  proxyBatch: number;
}

/** The defaults of `--rate-constraint`. */
export const DEFAULT_RATE_SETTINGS: RateSettings = {
  floor: 0.92,
  dualLr: 0.5,
  digit: null,
  constraintFraction: 0.15,
  proxyBatch: 64,
};

/** Per-class recall and overall accuracy of a model on a set of digits. */
export interface Rates {
  accuracy: number;
  /** Recall of each class 0-9 (NaN for a class with no digits). */
  recall: number[];
}

/** One run of the comparison. */
export interface RateRun {
  constrained: boolean;
  heldOut: Rates;
  constraintSet: Rates;
  seconds: number;
  steps: number;
  /** The multiplier after the last step and its largest value (0 without the constraint). */
  multiplier: number;
  maxMultiplier: number;
  /** The multiplier every `every` steps (for the printout), with the proxy recall seen then. */
  trace: { step: number; multiplier: number; proxyRecall: number }[];
  /** `cmp.report()`'s summary of the constraint (null without it). */
  summary: constraints.ConstraintSummary | null;
}

/** The comparison: the constrained digit, the floor, and both runs. */
export interface RateResult {
  digit: number;
  floor: number;
  baseline: RateRun;
  constrained: RateRun;
}

/** Progress callbacks. */
export interface RateEvents {
  onRunStart?(constrained: boolean, digit: number | null, steps: number): void;
  onStep?(step: number, loss: number, multiplier: number): void;
}

/** Accuracy and per-class recall of `model` on `data` (no gradients, in chunks). */
export function ratesOf(model: (x: Tensor) => Tensor, data: Digits, chunk = 1000): Rates {
  const hits = new Array<number>(10).fill(0);
  const totals = new Array<number>(10).fill(0);
  for (let start = 0; start < data.count; start += chunk) {
    const n = Math.min(chunk, data.count - start);
    const predicted = noGrad(() =>
      tidy(() => {
        const x = tensor(data.images.subarray(start * PIXELS, (start + n) * PIXELS), { shape: [n, PIXELS] });
        return Int32Array.from(model(x).argmax(1).dataSync() as ArrayLike<number>);
      }),
    );
    for (let i = 0; i < n; i++) {
      const label = data.labels[start + i];
      totals[label]++;
      if (predicted[i] === label) hits[label]++;
    }
  }
  const correct = hits.reduce((a, b) => a + b, 0);
  return { accuracy: correct / data.count, recall: hits.map((h, k) => (totals[k] ? h / totals[k] : Number.NaN)) };
}

/** The class with the lowest recall (the first on ties; classes without digits are left out). */
export function weakest(r: Rates): number {
  let best = -1;
  r.recall.forEach((v, k) => {
    if (!Number.isNaN(v) && (best < 0 || v < r.recall[best])) best = k;
  });
  if (best < 0) throw new Error('no class has any digits');
  return best;
}

/** Splits `train` (seeded) into the digits to train on and the constraint set. */
export function splitConstraintSet(train: Digits, fraction: number, seed: number): { fit: Digits; check: Digits } {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`constraintFraction must be in (0, 1), got ${fraction}`);
  const order = permutation(train.count, new Generator(seed + 1));
  const nFit = Math.round(train.count * (1 - fraction));
  return { fit: pick(train, order.subarray(0, nFit)), check: pick(train, order.subarray(nFit)) };
}

/** One run: `digit` null trains without the constraint. */
function run(
  settings: RunSettings,
  rate: RateSettings,
  data: { fit: Digits; check: Digits; heldOut: Digits },
  digit: number | null,
  events: RateEvents,
): RateRun {
  manualSeed(settings.seed);
  const model = createModel();
  const forward = (x: Tensor) => model.call(x);
  const adam = new optim.Adam(model.parameters(), { lr: settings.lr, clipNorm: settings.clipNorm });
  const shuffle = new Generator(settings.seed);
  const stepsPerEpoch = Math.ceil(data.fit.count / settings.batch);
  const steps = stepsPerEpoch * settings.epochs;
  events.onRunStart?.(digit !== null, digit, steps);

  // The current batch, which the problem's closures read (the objective runs first, then fn, then the proxy).
  let x: Tensor | null = null;
  let y: Tensor | null = null;
  let isDigit: Tensor | null = null;
  let digitCount = 0;
  let logits: Tensor | null = null;
  const objective = () => {
    logits = forward(x!);
    return F.crossEntropy(logits, y!);
  };

  let lagrangian: optim.Lagrangian | null = null;
  let cmp: constraints.ConstrainedProblem | null = null;
  let proxyRecall = Number.NaN;
  if (digit !== null) {
    const pool = Int32Array.from(
      Array.from({ length: data.check.count }, (_, i) => i).filter((i) => data.check.labels[i] === digit),
    );
    if (pool.length === 0) throw new Error(`the constraint set has no digit ${digit}`);
    const proxyGen = new Generator(settings.seed + 2);
    const name = `recall${digit}`;
    cmp = new constraints.ConstrainedProblem({
      name: `recall floor on digit ${digit}`,
      objective,
      constraints: {
        [name]: {
          kind: 'ge',
          bound: rate.floor,
          // NOTE: a batch without the digit pulls on nothing: fn is then the floor itself (its gradient is 0).
          fn: () => {
            const logProb = F.logSoftmax(logits!, 1).narrow(1, digit, 1);
            if (digitCount === 0) return logProb.sum().mul(0).add(rate.floor);
            return logProb.mul(isDigit!).sum().div(digitCount);
          },
          proxy: () => {
            const idx = Array.from({ length: rate.proxyBatch }, () => pool[proxyGen.nextUint32() % pool.length]);
            const batch = pick(data.check, idx);
            proxyRecall = noGrad(() =>
              tidy(() => {
                const px = tensor(batch.images, { shape: [batch.count, PIXELS] });
                return forward(px).argmax(1).eq(digit).float().mean().item();
              }),
            );
            return proxyRecall;
          },
        },
      },
    });
    lagrangian = new optim.Lagrangian(cmp, { primal: adam, dualLr: rate.dualLr });
  }

  const trace: RateRun['trace'] = [];
  const every = Math.max(1, Math.floor(steps / 20));
  let multiplier = 0;
  let maxMultiplier = 0;
  const xs = new Float32Array(settings.batch * PIXELS);
  const ys = new Int32Array(settings.batch);
  const start = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const order = permutation(data.fit.count, shuffle);
    for (let pos = 0; pos < data.fit.count; pos += settings.batch) {
      const n = Math.min(settings.batch, data.fit.count - pos);
      digitCount = 0;
      for (let i = 0; i < n; i++) {
        const r = order[pos + i];
        xs.set(data.fit.images.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS);
        ys[i] = data.fit.labels[r];
        if (ys[i] === digit) digitCount++;
      }
      x = tensor(xs.subarray(0, n * PIXELS), { shape: [n, PIXELS] });
      y = tensor(ys.subarray(0, n), { shape: [n] });
      isDigit = digit === null ? null : y.eq(digit).float().reshape([n, 1]);
      // NOTE: both runs decay Adam's learning rate linearly to a tenth, so the last iterate (which is what the
      // rates are measured on) is not one noisy point of a class's recall, which swings by several % per step.
      adam.paramGroups[0].lr = settings.lr * (1 - (0.9 * step) / steps);
      let loss: number;
      if (lagrangian) {
        const r = lagrangian.step();
        loss = r.loss;
        multiplier = Object.values(r.multipliers)[0];
        maxMultiplier = Math.max(maxMultiplier, multiplier);
      } else {
        const l = objective();
        adam.zeroGrad();
        l.backward();
        adam.step();
        loss = l.item();
      }
      step++;
      if (step % every === 0 || step === steps) trace.push({ step, multiplier, proxyRecall });
      events.onStep?.(step, loss, multiplier);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const result: RateRun = {
    constrained: digit !== null,
    heldOut: ratesOf(forward, data.heldOut),
    constraintSet: ratesOf(forward, data.check),
    seconds,
    steps,
    multiplier,
    maxMultiplier,
    trace,
    summary: cmp ? Object.values(cmp.report().constraints)[0].summary : null,
  };
  adam.dispose();
  model.dispose();
  return result;
}

/**
 * Trains the baseline (no rate constraint), picks the constrained digit (the baseline's weakest on the
 * constraint set, unless `rate.digit` is set), then trains again from the same seed with the recall floor.
 */
export function rateConstraintRuns(
  settings: RunSettings,
  rate: RateSettings,
  data: { train: Digits; heldOut: Digits },
  events: RateEvents = {},
): RateResult {
  const { fit, check } = splitConstraintSet(data.train, rate.constraintFraction, settings.seed);
  const sets = { fit, check, heldOut: data.heldOut };
  const baseline = run(settings, rate, sets, null, events);
  const digit = rate.digit ?? weakest(baseline.constraintSet);
  const constrained = run(settings, rate, sets, digit, events);
  return { digit, floor: rate.floor, baseline, constrained };
}
