/**
 * Turns worker results into the printed tables: per cell the median across processes of each process's
 * median, the spread, the cp/peer ratios, and the constraints' overhead; as a terminal table (cli-table3)
 * or as Markdown.
 */
import Table from 'cli-table3';
import { ENGINES, RATIOS } from './engines.mjs';
import { median, quantile } from './timing.mjs';

/** Row key of a main-table case. */
export function rowKey(spec) {
  return spec.case === 'matmul' ? `matmul-${spec.n}` : spec.case;
}

/** Human row label and unit of a main-table row. */
function rowLabel(key) {
  if (key.startsWith('matmul-')) return { label: `matmul N=${key.slice(7)}`, unit: 'GFLOP/s', higherIsBetter: true };
  if (key === 'elementwise') return { label: 'relu(a*b+c), 2^20 f32', unit: 'ms', higherIsBetter: false };
  if (key === 'cnn')
    return { label: 'CNN step conv16-pool-conv32-pool-linear, b=64, Adam', unit: 'ms', higherIsBetter: false };
  if (key === 'lstm')
    return { label: 'LSTM step 28x28 rows, hidden 128, linear, b=64, Adam', unit: 'ms', higherIsBetter: false };
  if (key === 'vit')
    return {
      label: 'ViT step 16 tokens x 64, 2 layers, 4 heads, ff 128, b=64, Adam',
      unit: 'ms',
      higherIsBetter: false,
    };
  return { label: 'MLP step 784-256-128-10, b=128, Adam', unit: 'ms', higherIsBetter: false };
}

/**
 * One cell from its process results: `value` (GFLOP/s for matmul, else ms), `spread` (half the IQR of all
 * pooled repetitions over their median, a fraction), or `na` with the reason.
 */
export function aggregate(results) {
  const ok = results.filter((r) => r.ok);
  if (ok.length === 0) {
    const r = results[0];
    return { na: r ? r.error : 'not run', processes: results.length };
  }
  const ms = median(ok.map((r) => r.median));
  const pooled = ok.flatMap((r) => r.samples);
  const spread = (quantile(pooled, 0.75) - quantile(pooled, 0.25)) / 2 / median(pooled);
  const spec = ok[0];
  const value = spec.case === 'matmul' ? (2 * spec.n ** 3) / (ms * 1e6) : ms;
  const failed = results.length - ok.length;
  return {
    value,
    ms,
    spread,
    processes: ok.length,
    failed,
    processMedians: ok.map((r) => r.median),
    error: failed ? results.find((r) => !r.ok)?.error : undefined,
  };
}

/** 3 significant digits, no exponent for the sizes we see. */
function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** Footnotes collect the full n/a reasons; cells carry a short form and the note's number. */
class Notes {
  list = [];
  /** @param {string} text */
  ref(text) {
    let i = this.list.indexOf(text);
    if (i < 0) i = this.list.push(text) - 1;
    return `[${i + 1}]`;
  }
}

function cellText(cell, notes) {
  if (!cell) return '';
  if (cell.na !== undefined) {
    const reason = String(cell.na);
    if (reason.startsWith('not built')) return `n/a (not built) ${notes.ref(reason)}`;
    return `n/a ${notes.ref(reason)}`;
  }
  const partial = cell.failed ? ` ${notes.ref(`${cell.failed} process(es) failed: ${cell.error}`)}` : '';
  return `${fmt(cell.value)} ±${Math.round(cell.spread * 100)}%${partial}`;
}

/**
 * The main table: one row per case, one column per engine, then the ratio columns (cp faster when > 1).
 * @param {Map<string, Map<string, object>>} cells rowKey → engine → aggregate
 * @param {string[]} engines
 */
export function mainTable(cells, engines, notes) {
  const ratios = RATIOS.filter(([c, p]) => engines.includes(c) && engines.includes(p));
  const head = [
    'case',
    'unit',
    ...engines.map((e) => ENGINES[e].label),
    ...ratios.map(([c, p]) => `${ENGINES[c].label} / ${ENGINES[p].label}`),
  ];
  const rows = [];
  for (const [key, byEngine] of cells) {
    const { label, unit, higherIsBetter } = rowLabel(key);
    const row = [label, unit, ...engines.map((e) => cellText(byEngine.get(e), notes))];
    for (const [c, p] of ratios) {
      const a = byEngine.get(c);
      const b = byEngine.get(p);
      if (a?.value === undefined || b?.value === undefined) row.push('–');
      else row.push(`${fmt(higherIsBetter ? a.value / b.value : b.value / a.value)}×`);
    }
    rows.push(row);
  }
  return { head, rows };
}

/**
 * The constraints table: MLP step time per cp engine with no constraint and with each built-in registered on
 * every Linear weight, and the overhead relative to none.
 * @param {Map<string, Map<string, object>>} cells constraint → engine → aggregate
 */
export function constraintsTable(cells, engines, notes) {
  const head = [
    'constraint on every weight',
    ...engines.flatMap((e) => [`${ENGINES[e].label} ms`, `${ENGINES[e].label} overhead`]),
  ];
  const rows = [];
  for (const [name, byEngine] of cells) {
    const row = [name];
    for (const e of engines) {
      const cell = byEngine.get(e);
      const base = cells.get('none')?.get(e);
      row.push(cellText(cell, notes));
      if (name === 'none' || cell?.value === undefined || base?.value === undefined)
        row.push(name === 'none' ? '–' : '');
      else {
        const pct = (cell.value / base.value - 1) * 100;
        row.push(`${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`);
      }
    }
    rows.push(row);
  }
  return { head, rows };
}

/** Renders `{ head, rows }` for the terminal. */
export function renderTerminal({ head, rows }) {
  const t = new Table({ head, style: { head: [], border: [], compact: true } });
  t.push(...rows);
  return t.toString();
}

/** Renders `{ head, rows }` as a Markdown table. */
export function renderMarkdown({ head, rows }) {
  const esc = (s) => String(s).replaceAll('|', '\\|');
  const line = (cells) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export { Notes };
