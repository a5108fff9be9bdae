/**
 * A grid of digit images as one SVG, each captioned with its true and predicted label: the report's and the
 * playground's view of misclassified held-out digits. Each digit is an 8-bit grayscale BMP in a data URL
 * (about 2.5 kB), which every browser draws and which needs no compression library to write.
 */
import { FLUID } from './charts.js';
import { esc } from './svg.js';

/** One digit to show: 28x28 pixels in [0, 1] (row-major), its label and what the model predicted. */
export interface DigitSample {
  pixels: ArrayLike<number>;
  label: number;
  predicted: number;
}

const SIDE = 28;
const SCALE = 2;
const CELL_W = SIDE * SCALE + 12;
const CELL_H = SIDE * SCALE + 26;

/** The digit as a BMP file: ink dark on white, rows stored bottom-up as BMP requires. */
export function digitBmp(pixels: ArrayLike<number>): Uint8Array {
  if (pixels.length !== SIDE * SIDE) throw new RangeError(`digitBmp: expected 784 pixels, got ${pixels.length}`);
  const palette = 256 * 4;
  const offset = 14 + 40 + palette;
  const out = new Uint8Array(offset + SIDE * SIDE);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // 'B'
  out[1] = 0x4d; // 'M'
  v.setUint32(2, out.length, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, SIDE, true);
  v.setInt32(22, SIDE, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 8, true);
  v.setUint32(34, SIDE * SIDE, true);
  v.setUint32(46, 256, true);
  for (let i = 0; i < 256; i++) out.fill(255 - i, 54 + i * 4, 54 + i * 4 + 3);
  // NOTE: 28 bytes per row is already a multiple of 4, so rows need no padding.
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      const x = Math.min(1, Math.max(0, Number(pixels[r * SIDE + c])));
      out[offset + (SIDE - 1 - r) * SIDE + c] = Math.round(x * 255);
    }
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

/** The samples in a grid of `columns`, each captioned "true → predicted" (red when they differ). */
export function digitGrid(samples: readonly DigitSample[], title: string, columns = 10): string {
  const rows = Math.max(1, Math.ceil(samples.length / columns));
  const w = columns * CELL_W + 8;
  const h = 26 + rows * CELL_H;
  const cells = samples
    .map((s, i) => {
      const x = 4 + (i % columns) * CELL_W;
      const y = 26 + Math.floor(i / columns) * CELL_H;
      const wrong = s.label !== s.predicted;
      return (
        `<image x="${x + 6}" y="${y}" width="${SIDE * SCALE}" height="${SIDE * SCALE}" style="image-rendering:pixelated" href="data:image/bmp;base64,${base64(digitBmp(s.pixels))}"/>` +
        `<text x="${x + CELL_W / 2}" y="${y + SIDE * SCALE + 15}" text-anchor="middle" class="tick"${wrong ? ' fill="#d62728"' : ''}>${s.label} → ${s.predicted}</text>`
      );
    })
    .join('');
  const empty = samples.length === 0 ? `<text x="8" y="50" class="tick">none</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" style="${FLUID}" role="img" aria-label="${esc(title)}"><text x="4" y="16" class="title">${esc(title)}</text>${cells}${empty}</svg>`;
}
