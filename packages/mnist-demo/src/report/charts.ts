/**
 * The report's charts as inline SVG strings: line charts (loss, accuracy) and histograms (weight norms
 * with the constraint's bound drawn on them). Scales, ticks, paths and bins come from d3-scale,
 * d3-shape and d3-array, which compute without a DOM; the markup is written here.
 */
import { bin, extent, max } from 'd3-array';
import { type ScaleLinear, scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { esc, px, tickLabel } from './svg.js';

/** One line of a line chart. */
export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

/** A line chart. */
export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Fixed y range (default: the data's, from 0 when all values are positive). */
  yDomain?: [number, number];
  /** Format of y tick labels (default: `tickLabel`). */
  yFormat?: (y: number) => string;
}

/** One set of values of a histogram. */
export interface HistogramSeries {
  name: string;
  color: string;
  values: number[];
}

/** A histogram with an optional vertical marker (the constraint's bound). */
export interface HistogramSpec {
  title: string;
  xLabel: string;
  series: HistogramSeries[];
  marker?: { at: number; label: string };
}

const W = 520;
const H = 280;
const M = { top: 34, right: 16, bottom: 44, left: 54 };

type LegendItem = { name: string; color: string; dashed?: boolean };

/** The legend laid out in rows under the title, and the y where the plot area starts below it. */
function legend(items: readonly LegendItem[]): { svg: string; plotTop: number } {
  let x = M.left + 4;
  let y = M.top + 2;
  const svg = items
    .map((l) => {
      const width = 40 + l.name.length * 6.6;
      if (x + width > W - M.right && x > M.left + 4) {
        x = M.left + 4;
        y += 17;
      }
      const at = x;
      x += width;
      const dash = l.dashed ? ' stroke-dasharray="6 4"' : '';
      return `<line x1="${px(at)}" y1="${y}" x2="${px(at + 18)}" y2="${y}" stroke="${l.color}" stroke-width="3"${dash}/><text x="${px(at + 24)}" y="${y + 4}" class="legend">${esc(l.name)}</text>`;
    })
    .join('');
  return { svg, plotTop: y + 22 };
}

/** NOTE: the SVG keeps its aspect ratio and shrinks to its container, so a chart fits a phone's width. */
export const FLUID = 'max-width:100%;height:auto';

function frame(title: string, body: string, legendSvg: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" style="${FLUID}" role="img" aria-label="${esc(title)}"><text x="${M.left}" y="20" class="title">${esc(title)}</text>${body}${legendSvg}</svg>`;
}

/**
 * The x ticks: d3's nice ticks, kept to whole numbers when the data's x values are all whole (epochs,
 * steps), so an axis over 3 epochs reads 1, 2, 3 rather than 1, 1.5, 2, 2.5, 3.
 */
function xTicks(x: ScaleLinear<number, number>, wholeOnly: boolean): number[] {
  const ticks = x.ticks(6);
  if (!wholeOnly) return ticks;
  const whole = ticks.filter(Number.isInteger);
  if (whole.length >= 2) return whole;
  const [lo, hi] = x.domain();
  return Array.from({ length: Math.floor(hi) - Math.ceil(lo) + 1 }, (_, i) => Math.ceil(lo) + i);
}

function axes(
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
  xLabel: string,
  yLabel: string,
  yFormat = tickLabel,
  wholeX = false,
): string {
  const [x0, x1] = x.range();
  const [y0, y1] = y.range();
  const xt = xTicks(x, wholeX)
    .map(
      (t) =>
        `<line x1="${px(x(t))}" y1="${y0}" x2="${px(x(t))}" y2="${y0 + 5}" class="axis"/><text x="${px(x(t))}" y="${y0 + 18}" text-anchor="middle" class="tick">${tickLabel(t)}</text>`,
    )
    .join('');
  const yt = y
    .ticks(5)
    .map(
      (t) =>
        `<line x1="${x0}" y1="${px(y(t))}" x2="${x1}" y2="${px(y(t))}" class="grid"/><text x="${x0 - 7}" y="${px(y(t) + 4)}" text-anchor="end" class="tick">${esc(yFormat(t))}</text>`,
    )
    .join('');
  return (
    `${yt}${xt}<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" class="axis"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" class="axis"/>` +
    `<text x="${(x0 + x1) / 2}" y="${H - 6}" text-anchor="middle" class="label">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle" class="label">${esc(yLabel)}</text>`
  );
}

/** A line chart of every series, with axes, grid and legend. */
export function lineChart(spec: LineChartSpec): string {
  const all = spec.series.flatMap((s) => s.points);
  const [xmin, xmax] = extent(all, (p) => p[0]) as [number, number];
  const [ylo, yhi] = extent(all, (p) => p[1]) as [number, number];
  const key = legend(spec.series);
  // NOTE: a single x value (one epoch) would make a zero-width domain; widen it so the point is centred.
  const x = scaleLinear()
    .domain(xmin === xmax ? [xmin - 1, xmax + 1] : [xmin, xmax])
    .range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain(spec.yDomain ?? [Math.min(0, ylo), yhi])
    .range([H - M.bottom, key.plotTop])
    .nice();
  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]))
    .digits(1);
  const lines = spec.series
    .map((s) => {
      const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
      const dots =
        s.points.length <= 30
          ? s.points.map((p) => `<circle cx="${px(x(p[0]))}" cy="${px(y(p[1]))}" r="3" fill="${s.color}"/>`).join('')
          : '';
      return `<path d="${path(s.points)}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>${dots}`;
    })
    .join('');
  const wholeX = all.every((p) => Number.isInteger(p[0]));
  return frame(spec.title, axes(x, y, spec.xLabel, spec.yLabel, spec.yFormat, wholeX) + lines, key.svg);
}

/** A histogram of every series over shared bins, with the marker as a dashed red line. */
export function histogram(spec: HistogramSpec): string {
  const all = spec.series.flatMap((s) => s.values);
  const top = Math.max(max(all) ?? 1, spec.marker?.at ?? 0) * 1.08;
  const x = scaleLinear()
    .domain([0, top])
    .range([M.left, W - M.right])
    .nice();
  const thresholds = x.ticks(40);
  const binned = spec.series.map((s) =>
    bin()
      .domain(x.domain() as [number, number])
      .thresholds(thresholds)(s.values),
  );
  const peak = max(binned.flat(), (b) => b.length) ?? 1;
  const key = legend(spec.series);
  const y = scaleLinear()
    .domain([0, peak])
    .range([H - M.bottom, key.plotTop])
    .nice();
  const bars = binned
    .map((bins, i) =>
      bins
        .filter((b) => b.length > 0)
        .map((b) => {
          const x0 = x(b.x0 ?? 0);
          const w = Math.max(x(b.x1 ?? 0) - x0 - 1, 1);
          return `<rect x="${px(x0)}" y="${px(y(b.length))}" width="${px(w)}" height="${px(y(0) - y(b.length))}" fill="${spec.series[i].color}" fill-opacity="${spec.series.length > 1 ? 0.55 : 0.85}"/>`;
        })
        .join(''),
    )
    .join('');
  let marker = '';
  if (spec.marker) {
    const mx = px(x(spec.marker.at));
    const top = y.range()[1];
    marker = `<line x1="${mx}" y1="${y(0)}" x2="${mx}" y2="${top}" stroke="#d62728" stroke-width="2" stroke-dasharray="5 3"/><text x="${mx}" y="${top + 12}" text-anchor="end" dx="-5" class="marker">${esc(spec.marker.label)}</text>`;
  }
  return frame(spec.title, axes(x, y, spec.xLabel, 'units') + bars + marker, key.svg);
}
