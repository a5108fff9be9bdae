/** The messages between the page and the training worker. */
import type { BackendName, ModelName, Registration } from '@cp/mnist-demo';
import type { HeldOutFigures } from './held-out-figures.js';
import type { Layer } from './layers.js';
import type { RunControls } from './url-state.js';

/** What the page asks the worker to do: train a run of `RunControls` on the model's `layers`. */
export type ToWorker =
  | ({ type: 'start'; batch: number; seed: number; layers: Layer[] } & RunControls)
  | { type: 'stop' };

/** What the worker reports. */
export type FromWorker =
  | { type: 'backend'; name: BackendName; fallback: string | null; threads: string | null }
  | {
      type: 'registered';
      /** The model that trains, its architecture and its number of trainable scalars. */
      model: ModelName;
      title: string;
      parameters: number;
      registrations: Registration[];
      train: number;
      heldOut: number;
      stepsPerEpoch: number;
    }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      /** Mean loss and accuracy of the steps since the last report. */
      loss: number;
      accuracy: number;
      /** The largest violation of any registered constraint at any report so far. */
      maxViolation: number;
      stepsPerSecond: number;
    }
  /**
   * Every few reports: the L2 norm of each unit of the watched layer (its absolute values for a vector), its
   * bound on a unit's norm as a marker (null when its constraint has none), and how far it is outside its
   * constraint's set (null when it has no constraint).
   */
  | {
      type: 'norms';
      step: number;
      layer: string;
      norms: number[];
      marker: { at: number; label: string } | null;
      violation: number | null;
    }
  | { type: 'heldOut'; step: number; accuracy: number }
  /** At the end of a run: its held-out confusion matrix and first misclassified digits. */
  | ({ type: 'predictions' } & HeldOutFigures)
  | { type: 'done'; stopped: boolean; seconds: number }
  | { type: 'error'; message: string };
