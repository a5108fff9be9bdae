// The views of a classifier's mistakes: the confusion matrix and per-class accuracy on known predictions,
// the heatmap's counts, and the digit images, whose BMP bytes an independent reader (python3) decodes.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { confusionChart, confusionMatrix, perClassAccuracy, topConfusions } from '../src/report/confusion.js';
import { digitBmp, digitGrid } from '../src/report/digit-grid.js';

describe('confusion matrix', () => {
  const labels = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 0, 1, 1, 2, 2, 2, 1, 1];

  test('counts each (true, predicted) pair, rows are the true class', () => {
    expect(confusionMatrix(predicted, labels, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 2, 2],
    ]);
  });

  test('per-class accuracy is each row diagonal share, null for an absent class', () => {
    expect(perClassAccuracy(confusionMatrix(predicted, labels, 4))).toEqual([2 / 3, 1 / 2, 2 / 4, null]);
  });

  test('the top confusions are the largest off-diagonal cells', () => {
    expect(topConfusions(confusionMatrix(predicted, labels, 3), 2)).toEqual([
      [2, 1, 2],
      [0, 1, 1],
    ]);
  });

  test('rejects mismatched lengths and labels outside the classes', () => {
    expect(() => confusionMatrix([0], [0, 1])).toThrow(/1 predictions for 2 labels/);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(/example 1 has label 1 and prediction 3/);
  });

  test('the heatmap writes every non-zero count and the axis names', () => {
    const svg = confusionChart(confusionMatrix(predicted, labels, 3));
    const counts = [...svg.matchAll(/class="cell"[^>]*>(\d+)</g)].map((m) => Number(m[1]));
    expect(counts).toEqual([2, 1, 1, 1, 2, 2]);
    expect(svg).toContain('>predicted<');
    expect(svg).toContain('>true digit<');
  });
});

describe('digit images', () => {
  const pixels = Array.from({ length: 784 }, (_, i) => ((i % 28) + Math.floor(i / 28)) / 54);

  test('a digit is a 28x28 8-bit BMP that an independent reader decodes to the same pixels', () => {
    const bmp = digitBmp(pixels);
    const script = [
      'import struct,sys',
      'b=sys.stdin.buffer.read()',
      "assert b[:2]==b'BM'",
      "off,=struct.unpack('<I',b[10:14]); w,h=struct.unpack('<ii',b[18:26]); bpp,=struct.unpack('<H',b[28:30])",
      'pal=[b[54+4*i] for i in range(256)]',
      'rows=[[255-pal[b[off+(h-1-r)*w+c]] for c in range(w)] for r in range(h)]',
      "print(w,h,bpp,' '.join(str(v) for row in rows for v in row))",
    ].join('\n');
    const out = execFileSync('python3', ['-c', script], { input: Buffer.from(bmp), encoding: 'utf8' })
      .trim()
      .split(' ');
    expect(out.slice(0, 3)).toEqual(['28', '28', '8']);
    expect(out.slice(3).map(Number)).toEqual(pixels.map((p) => Math.round(p * 255)));
  });

  test('the grid captions each digit "true → predicted", red when wrong', () => {
    const svg = digitGrid(
      [
        { pixels, label: 3, predicted: 5 },
        { pixels, label: 7, predicted: 7 },
      ],
      'Misclassified',
    );
    expect(svg.match(/<image /g)?.length).toBe(2);
    expect(svg).toContain('fill="#d62728">3 → 5<');
    expect(svg).toContain('>7 → 7<');
    expect(digitGrid([], 'none here')).toContain('>none<');
  });

  test('rejects an image of the wrong size', () => {
    expect(() => digitBmp([0, 1])).toThrow(/expected 784 pixels, got 2/);
  });
});
