/** Tiny helpers for writing SVG and HTML as strings: escaping and number formatting. */

/** `s` with the five XML special characters escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coordinate rounded to 0.1 px (keeps the inline SVG small). */
export function px(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** A tick label: short, without trailing zeros. */
export function tickLabel(x: number): string {
  if (x === 0) return '0';
  if (Math.abs(x) >= 1000) return `${Math.round(x / 100) / 10}k`;
  return String(Number(x.toPrecision(3)));
}
