// The report's charts: whole-number x ticks for epoch and step axes, dashed series told apart in the legend,
// and SVGs that shrink to a phone's width.
import { describe, expect, test } from 'vitest';
import { histogram, lineChart } from '../src/report/charts.js';

const xTicks = (svg: string): number[] =>
  [...svg.matchAll(/<text x="[\d.]+" y="[\d.]+" text-anchor="middle" class="tick">([^<]+)</g)].map((m) => Number(m[1]));

describe('lineChart', () => {
  const spec = (points: [number, number][]) => ({
    title: 'Accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    series: [
      { name: 'constraints on', color: '#1f77b4', points },
      {
        name: 'constraints off',
        color: '#ff7f0e',
        dashed: true,
        points: points.map(([x, y]) => [x, y * 0.9] as [number, number]),
      },
    ],
  });

  test('an axis over whole epochs has whole ticks only', () => {
    const ticks = xTicks(
      lineChart(
        spec([
          [1, 0.9],
          [2, 0.95],
          [3, 0.97],
        ]),
      ),
    );
    expect(ticks).toEqual([1, 2, 3]);
  });

  test('fractional x data keeps fractional ticks', () => {
    const ticks = xTicks(
      lineChart(
        spec([
          [0.5, 0.9],
          [1.25, 0.95],
          [2.75, 0.97],
        ]),
      ),
    );
    expect(ticks.some((t) => !Number.isInteger(t))).toBe(true);
  });

  test('a dashed series is dashed in the plot and in the legend, so overlapping curves stay apart', () => {
    const svg = lineChart(
      spec([
        [1, 0.9],
        [2, 0.95],
      ]),
    );
    expect(svg.match(/stroke-dasharray="6 4"/g)?.length).toBe(2);
    expect(svg).toContain('>constraints off<');
  });

  test('charts shrink to their container (phone width) and keep their aspect ratio', () => {
    expect(
      lineChart(
        spec([
          [1, 1],
          [2, 2],
        ]),
      ),
    ).toContain('style="max-width:100%;height:auto"');
    expect(
      histogram({ title: 'h', xLabel: 'norm', series: [{ name: 'a', color: '#000', values: [1, 2, 3] }] }),
    ).toContain('style="max-width:100%;height:auto"');
  });
});
