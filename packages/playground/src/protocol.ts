/** The messages between the page and the training worker. */
import type { BackendName, OptimizerName, Registration } from '@cp/mnist-demo';
import type { HeldOutFigures } from './held-out-figures.js';

/** What the page asks the worker to do. */
export type ToWorker =
  | {
      type: 'start';
      backend: BackendName;
      constraints: boolean;
      epochs: number;
      batch: number;
      lr: number;
      optimizer: OptimizerName;
      seed: number;
    }
  | { type: 'stop' };

/** What the worker reports. */
export type FromWorker =
  | { type: 'backend'; name: BackendName; fallback: string | null; threads: string | null }
  | { type: 'registered'; registrations: Registration[]; train: number; heldOut: number; stepsPerEpoch: number }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      /** Mean loss and accuracy of the steps since the last report. */
      loss: number;
      accuracy: number;
      /** How far the largest hidden-unit norm is above the maxNorm bound (0 when inside). */
      excess: number;
      /** The largest violation of any registered constraint after any step so far. */
      maxViolation: number;
      stepsPerSecond: number;
    }
  /** Every few reports: the L2 norm of each hidden unit's incoming weights, and the maxNorm bound. */
  | { type: 'norms'; step: number; norms: number[]; bound: number }
  | { type: 'heldOut'; step: number; accuracy: number }
  /** At the end of a run: its held-out confusion matrix and first misclassified digits. */
  | ({ type: 'predictions' } & HeldOutFigures)
  | { type: 'done'; stopped: boolean; seconds: number }
  | { type: 'error'; message: string };
