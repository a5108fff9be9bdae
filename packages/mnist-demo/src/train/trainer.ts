/**
 * One training run's state and its step: a shuffled pass over the training digits in mini-batches (shaped
 * for the model, optionally shifted a pixel or two), the cross-entropy loss, backward, the global-norm
 * gradient clip, the Adam update (which enforces the parameter constraints), the learning-rate schedule,
 * and a check of every constraint. The same trainer serves every model of the demo. Browser-safe.
 */
import { F, Generator, nn, noGrad, optim, tensor, tidy } from '@cp/core';
import { randomShift, shiftInto } from '../data/augment.js';
import { type Digits, PIXELS, permutation } from '../data/digits.js';
import { ConstraintMonitor } from './monitor.js';

/** The flat `[n, 784]` batch the MLP reads (the default input shape). */
export const flatInput = (n: number): number[] => [n, PIXELS];

/** Options of a `Trainer`. */
export interface TrainerOptions {
  /** Mini-batch size. */
  batch: number;
  /** Adam's learning rate. */
  lr: number;
  /** Seeds the per-epoch shuffles. */
  seed: number;
  /** Clip the global gradient norm to this before each update (null: no clip). */
  clipNorm: number | null;
  /** Check every constraint after every step (default true; the overhead benchmark turns it off). */
  check?: boolean;
  /** The shape of a batch of `n` digits as the model reads them (default `[n, 784]`). */
  inputShape?: (n: number) => number[];
  /** Shift each training digit by up to this many pixels in each direction, at random (default 0: none). */
  shift?: number;
  /**
   * Run Adam's learning rate through a one-cycle schedule (warm-up to `lr`, then cosine decay) over this
   * many steps, stepped after every update (default: a constant `lr`).
   */
  oneCycleSteps?: number;
  /** The update rule (default `adam`); see `createOptimizer`. */
  optimizer?: OptimizerName;
}

/** The optimizers a run can pick: Adam, AdamW (decoupled decay 0.01), SGD (momentum 0.9), RMSprop. */
export const OPTIMIZER_NAMES = ['adam', 'adamw', 'sgd', 'rmsprop'] as const;

/** One of `OPTIMIZER_NAMES`. */
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** A fresh optimizer `name` over `params` at learning rate `lr`. */
export function createOptimizer(name: OptimizerName, params: Iterable<nn.Parameter>, lr: number): optim.Optimizer {
  switch (name) {
    case 'adam':
      return new optim.Adam(params, { lr });
    case 'adamw':
      return new optim.AdamW(params, { lr, weightDecay: 0.01 });
    case 'sgd':
      return new optim.SGD(params, { lr, momentum: 0.9 });
    case 'rmsprop':
      return new optim.RMSprop(params, { lr });
    default:
      throw new Error(`unknown optimizer '${name}': expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}

/** What one step measured. */
export interface StepStats {
  loss: number;
  /** Correctly classified samples of the batch. */
  correct: number;
  size: number;
  /** Wall time of the step, including reading the loss and the constraint check. */
  ms: number;
  /** Of which the constraint check took this long. */
  checkMs: number;
}

/** Accuracy and mean loss on a set of digits. */
export interface Evaluation {
  accuracy: number;
  loss: number;
}

/** Trains `model` on `train`, one step at a time (so callers can draw progress or yield between steps). */
export class Trainer {
  readonly optimizer: optim.Optimizer;
  /** The one-cycle schedule, when the options ask for one. */
  readonly scheduler: optim.lrScheduler.OneCycleLR | null;
  readonly monitor = new ConstraintMonitor();
  /** Completed epochs. */
  epoch = 0;
  /** Completed steps. */
  steps = 0;
  readonly #shuffle: Generator;
  /** Draws the shifts (its own stream, so the shuffles do not depend on `shift`). */
  readonly #augment: Generator;
  readonly #inputShape: (n: number) => number[];
  #order: Int32Array;
  #pos = 0;
  readonly #x: Float32Array;
  readonly #y: Int32Array;

  constructor(
    readonly model: nn.Module,
    readonly train: Digits,
    readonly options: TrainerOptions,
  ) {
    if (!(Number.isInteger(options.batch) && options.batch > 0))
      throw new Error(`batch must be a positive integer, got ${options.batch}`);
    this.optimizer = createOptimizer(options.optimizer ?? 'adam', model.parameters(), options.lr);
    this.scheduler =
      options.oneCycleSteps === undefined
        ? null
        : new optim.lrScheduler.OneCycleLR(this.optimizer, { maxLr: options.lr, totalSteps: options.oneCycleSteps });
    this.#shuffle = new Generator(options.seed);
    this.#augment = new Generator(options.seed + 1);
    this.#inputShape = options.inputShape ?? flatInput;
    this.#order = permutation(train.count, this.#shuffle);
    this.#x = new Float32Array(options.batch * PIXELS);
    this.#y = new Int32Array(options.batch);
  }

  /** Steps in one epoch (the last batch may be smaller). */
  get stepsPerEpoch(): number {
    return Math.ceil(this.train.count / this.options.batch);
  }

  /** Step index within the current epoch. */
  get stepInEpoch(): number {
    return Math.ceil(this.#pos / this.options.batch);
  }

  /** Trains on the next mini-batch; after the last one of an epoch, reshuffles and counts the epoch. */
  step(): StepStats {
    const start = performance.now();
    const n = Math.min(this.options.batch, this.train.count - this.#pos);
    const shift = this.options.shift ?? 0;
    for (let i = 0; i < n; i++) {
      const r = this.#order[this.#pos + i];
      const image = this.train.images.subarray(r * PIXELS, (r + 1) * PIXELS);
      if (shift > 0)
        shiftInto(image, this.#x, i * PIXELS, randomShift(this.#augment, shift), randomShift(this.#augment, shift));
      else this.#x.set(image, i * PIXELS);
      this.#y[i] = this.train.labels[r];
    }
    this.model.train();
    const x = tensor(this.#x.subarray(0, n * PIXELS), { shape: this.#inputShape(n) });
    const y = tensor(this.#y.subarray(0, n), { shape: [n] });
    const logits = this.model.call(x);
    const loss = F.crossEntropy(logits, y);
    this.optimizer.zeroGrad();
    loss.backward();
    const { clipNorm } = this.options;
    if (clipNorm !== null) this.monitor.observeClip(nn.utils.clipGradNorm(this.model.parameters(), clipNorm), clipNorm);
    this.optimizer.step();
    // NOTE: the schedule's last rate (its minimum) is the one of step `totalSteps - 1`, counted from 0; a
    // trainer stepped further keeps it rather than going past the end of the schedule.
    if (this.scheduler && this.scheduler.lastEpoch + 1 < this.scheduler.totalSteps) this.scheduler.step();
    const stats = {
      loss: loss.item(),
      correct: logits.argmax(1).eq(y).float().sum().item(),
      size: n,
      ms: 0,
      checkMs: 0,
    };
    x.dispose();
    y.dispose();
    if (this.options.check ?? true) {
      const checkStart = performance.now();
      this.monitor.observe(this.model);
      stats.checkMs = performance.now() - checkStart;
    }
    this.steps++;
    this.#pos += n;
    if (this.#pos >= this.train.count) {
      this.#pos = 0;
      this.#order = permutation(this.train.count, this.#shuffle);
      this.epoch++;
    }
    stats.ms = performance.now() - start;
    return stats;
  }

  /** Frees the model's parameters and the optimizer's state now. */
  dispose(): void {
    for (const state of this.optimizer.state.values()) {
      for (const v of Object.values(state)) if (typeof v !== 'number') v.dispose();
    }
    this.model.dispose();
  }

  /** The class the model predicts for each digit of `data` (in eval mode, no gradients, in chunks). */
  predict(data: Digits, chunk = 1000): Int32Array {
    const out = new Int32Array(data.count);
    this.model.eval();
    for (let start = 0; start < data.count; start += chunk) {
      const n = Math.min(chunk, data.count - start);
      noGrad(() =>
        tidy(() => {
          const x = tensor(data.images.subarray(start * PIXELS, (start + n) * PIXELS), {
            shape: this.#inputShape(n),
          });
          const classes = this.model.call(x).argmax(1).dataSync();
          for (let i = 0; i < n; i++) out[start + i] = Number(classes[i]);
        }),
      );
    }
    this.model.train();
    return out;
  }

  /** Accuracy and mean loss of the model on `data` (in eval mode, no gradients, in chunks). */
  evaluate(data: Digits, chunk = 1000): Evaluation {
    let correct = 0;
    let lossSum = 0;
    this.model.eval();
    for (let start = 0; start < data.count; start += chunk) {
      const n = Math.min(chunk, data.count - start);
      noGrad(() =>
        tidy(() => {
          const x = tensor(data.images.subarray(start * PIXELS, (start + n) * PIXELS), {
            shape: this.#inputShape(n),
          });
          const y = tensor(data.labels.subarray(start, start + n), { shape: [n] });
          const logits = this.model.call(x);
          lossSum += F.crossEntropy(logits, y).item() * n;
          correct += logits.argmax(1).eq(y).float().sum().item();
        }),
      );
    }
    this.model.train();
    return { accuracy: correct / data.count, loss: lossSum / data.count };
  }
}
