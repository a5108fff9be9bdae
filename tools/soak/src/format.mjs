/** Plain-text tables for the soak report (no dependency): right-aligned numbers, one header rule. */

/** Formats an integer with thousands separators. */
export const int = (n) => Math.round(n).toLocaleString('en-US');

/** Renders `rows` (arrays of cells) under `header` as an aligned text table. */
export function table(header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
