/**
 * How a classifier errs, from its held-out predictions: the confusion matrix, the accuracy of each class
 * (its recall), and the matrix drawn as an SVG heatmap with the counts written in. Used by the report and
 * the playground.
 */
import { FLUID } from './charts.js';
import { esc, px } from './svg.js';

/** `matrix[t][p]`: how many examples of true class t were predicted as p. */
export type ConfusionMatrix = number[][];

/** The confusion matrix of `predicted` against `labels` over classes 0..classes-1. */
export function confusionMatrix(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes = 10,
): ConfusionMatrix {
  if (predicted.length !== labels.length) {
    throw new RangeError(`confusionMatrix: ${predicted.length} predictions for ${labels.length} labels`);
  }
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (!(Number.isInteger(t) && Number.isInteger(p) && t >= 0 && p >= 0 && t < classes && p < classes)) {
      throw new RangeError(
        `confusionMatrix: example ${i} has label ${t} and prediction ${p}, outside 0..${classes - 1}`,
      );
    }
    m[t][p]++;
  }
  return m;
}

/** Each class's accuracy (the share of its examples predicted right); null for a class with no example. */
export function perClassAccuracy(m: ConfusionMatrix): (number | null)[] {
  return m.map((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? null : row[t] / n;
  });
}

/** The most frequent mistakes, `[true, predicted, count]`, largest first. */
export function topConfusions(m: ConfusionMatrix, k = 3): [number, number, number][] {
  const all: [number, number, number][] = [];
  m.forEach((row, t) => {
    row.forEach((n, p) => {
      if (t !== p && n > 0) all.push([t, p, n]);
    });
  });
  return all.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]).slice(0, k);
}

const CELL = 30;
const LEFT = 58;
const TOP = 54;

/**
 * The matrix as a heatmap: rows are the true class, columns the prediction, each cell shaded by its share
 * of the row (blue on the diagonal, red off it) with its count written in.
 */
export function confusionChart(m: ConfusionMatrix, title = 'Held-out confusion matrix'): string {
  const k = m.length;
  const w = LEFT + k * CELL + 12;
  const h = TOP + k * CELL + 14;
  const cells = m
    .map((row, t) => {
      const n = Math.max(
        1,
        row.reduce((a, b) => a + b, 0),
      );
      return row
        .map((c, p) => {
          const x = LEFT + p * CELL;
          const y = TOP + t * CELL;
          const share = c / n;
          const fill = t === p ? '#1f77b4' : '#d62728';
          const ink = t === p && share > 0.5 ? '#fff' : '#222';
          const text =
            c > 0
              ? `<text x="${px(x + CELL / 2)}" y="${px(y + CELL / 2 + 4)}" text-anchor="middle" class="cell" fill="${ink}">${c}</text>`
              : '';
          return `<rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${fill}" fill-opacity="${px(t === p ? share : Math.min(1, share * 4))}" stroke="#ddd"/>${text}`;
        })
        .join('');
    })
    .join('');
  const heads = Array.from({ length: k }, (_, i) => {
    const c = LEFT + i * CELL + CELL / 2;
    const r = TOP + i * CELL + CELL / 2 + 4;
    return `<text x="${px(c)}" y="${TOP - 6}" text-anchor="middle" class="tick">${i}</text><text x="${LEFT - 8}" y="${px(r)}" text-anchor="end" class="tick">${i}</text>`;
  }).join('');
  const labels =
    `<text x="${px(LEFT + (k * CELL) / 2)}" y="${TOP - 22}" text-anchor="middle" class="label">predicted</text>` +
    `<text transform="translate(16 ${px(TOP + (k * CELL) / 2)}) rotate(-90)" text-anchor="middle" class="label">true digit</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="${FLUID}" role="img" aria-label="${esc(title)}"><text x="4" y="16" class="title">${esc(title)}</text>${labels}${heads}${cells}</svg>`;
}
