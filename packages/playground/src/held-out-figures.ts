/**
 * What the worker sends at the end of a run for the page's held-out figures: the confusion matrix of the
 * trainer's held-out predictions and the first misclassified digits with their pixels (the page has none).
 */
import {
  type ConfusionMatrix,
  confusionMatrix,
  type DigitSample,
  type Digits,
  PIXELS,
  type Trainer,
} from '@cp/mnist-demo';

/** The held-out confusion matrix and up to `limit` misclassified digits, in held-out order. */
export interface HeldOutFigures {
  confusion: ConfusionMatrix;
  misclassified: DigitSample[];
}

/** Predicts every digit of `heldOut` with `trainer` and collects the figures' data. */
export function heldOutFigures(trainer: Trainer, heldOut: Digits, limit = 20): HeldOutFigures {
  const predicted = trainer.predict(heldOut);
  const misclassified: DigitSample[] = [];
  for (let i = 0; i < heldOut.count && misclassified.length < limit; i++) {
    if (predicted[i] === heldOut.labels[i]) continue;
    misclassified.push({
      pixels: heldOut.images.slice(i * PIXELS, (i + 1) * PIXELS),
      label: heldOut.labels[i],
      predicted: predicted[i],
    });
  }
  return { confusion: confusionMatrix(predicted, heldOut.labels), misclassified };
}
