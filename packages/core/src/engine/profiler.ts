/**
 * The opt-in op profiler, `profile(fn)`: per public op, how many calls and how long, split into the op's
 * own time (`selfMs`: total minus the ops it called) and, within that, the time in backend kernels
 * (`kernelMs`) and in core (`overheadMs`: checks, allocation, graph recording). Like torch.profiler's
 * `key_averages()`, a nested op counts in the total of every op around it and in its own self time only.
 *
 * Only engine/dispatch.ts calls the hooks here (`openFrame`, `closeFrame`, `addKernelTime`): an op frame
 * opens in `withOp` and each kernel is timed in `runKernel`/`runFused`. When no profile is running those
 * check `profiler.on` and nothing else.
 */
import { ArgumentError } from '../errors.js';

/** One op's line of a profile. Times are in milliseconds, summed over its calls. */
export interface ProfileRow {
  /** The public op (`matmul`, `crossEntropy`...), `<op>.backward` for a gradient rule, or `backward`. */
  op: string;
  /** How many times it ran (a nested call of the same op counts once). */
  calls: number;
  /** Time from entry to exit, including the ops it called. */
  totalMs: number;
  /** `totalMs` minus the total of the ops it called directly. */
  selfMs: number;
  /** The part of `selfMs` spent in backend kernels. */
  kernelMs: number;
  /** The rest of `selfMs`: argument checks, allocation, graph recording, JS around the kernel. */
  overheadMs: number;
}

/** What `profile(fn)` returns. */
export interface ProfileResult<T> {
  /** What `fn` returned (awaited when it returned a promise). */
  value: T;
  /** Wall time of `fn`, in milliseconds. */
  totalMs: number;
  /** One row per op, by descending `totalMs`. */
  rows: ProfileRow[];
  /** The rows as a fixed-width text table, by descending total time. */
  table(): string;
}

/** An open op: when it started, and what its children and kernels used so far. */
export interface Frame {
  readonly op: string;
  readonly start: number;
  childMs: number;
  kernelMs: number;
}

/** @internal The switch dispatch reads, and the open frames of the running profile. */
export const profiler: { on: boolean; stack: Frame[]; rows: Map<string, ProfileRow> } = {
  on: false,
  stack: [],
  rows: new Map(),
};

const now = (): number => performance.now();

/**
 * @internal Opens a frame for `op`, or returns null when the innermost open frame is already `op` (an op
 * built from itself, or a public entry calling its own checked form, is one call).
 */
export function openFrame(op: string): Frame | null {
  const top = profiler.stack[profiler.stack.length - 1];
  if (top?.op === op) return null;
  const frame: Frame = { op, start: now(), childMs: 0, kernelMs: 0 };
  profiler.stack.push(frame);
  return frame;
}

/** @internal Closes `frame` (the innermost one) and adds it to its op's row and its parent's child time. */
export function closeFrame(frame: Frame): void {
  const totalMs = now() - frame.start;
  profiler.stack.pop();
  const parent = profiler.stack[profiler.stack.length - 1];
  if (parent) parent.childMs += totalMs;
  addRow(frame.op, totalMs, totalMs - frame.childMs, frame.kernelMs);
}

/**
 * @internal Adds a kernel's time to the innermost frame; a kernel run outside every op (a caller that does
 * not open one) gets a row of its own under `op`.
 */
export function addKernelTime(op: string, ms: number): void {
  const top = profiler.stack[profiler.stack.length - 1];
  if (top) top.kernelMs += ms;
  else addRow(op, ms, ms, ms);
}

/** @internal The current time, for timing a kernel. */
export function profilerNow(): number {
  return now();
}

function addRow(op: string, totalMs: number, selfMs: number, kernelMs: number): void {
  let row = profiler.rows.get(op);
  if (!row) {
    row = { op, calls: 0, totalMs: 0, selfMs: 0, kernelMs: 0, overheadMs: 0 };
    profiler.rows.set(op, row);
  }
  row.calls++;
  row.totalMs += totalMs;
  row.selfMs += selfMs;
  row.kernelMs += kernelMs;
  row.overheadMs = row.selfMs - row.kernelMs;
}

function start(): number {
  if (profiler.on) {
    throw new ArgumentError('profile: a profile is already running; profile() calls cannot nest');
  }
  profiler.on = true;
  profiler.stack = [];
  profiler.rows = new Map();
  return now();
}

function stop<T>(value: T, started: number): ProfileResult<T> {
  const totalMs = now() - started;
  const rows = [...profiler.rows.values()].sort((a, b) => b.totalMs - a.totalMs || a.op.localeCompare(b.op));
  reset();
  return { value, totalMs, rows, table: () => formatTable(rows, totalMs) };
}

function reset(): void {
  profiler.on = false;
  profiler.stack = [];
  profiler.rows = new Map();
}

/**
 * Runs `fn` with the op profiler on and returns what it returned with per-op calls and times. When `fn`
 * returns a promise, profiling lasts until it settles and the result is a promise too.
 */
export function profile<T>(fn: () => Promise<T>): Promise<ProfileResult<T>>;
export function profile<T>(fn: () => T): ProfileResult<T>;
export function profile<T>(fn: () => T | Promise<T>): ProfileResult<T> | Promise<ProfileResult<T>> {
  if (typeof fn !== 'function') throw new ArgumentError(`profile: expected a function, got ${typeof fn}`);
  const started = start();
  let value: T | Promise<T>;
  try {
    value = fn();
  } catch (e) {
    reset();
    throw e;
  }
  // NOTE: while an async fn runs, other code running meanwhile (timers, other loops) is profiled too.
  if (value instanceof Promise) {
    return value.then(
      (v) => stop(v, started),
      (e: unknown) => {
        reset();
        throw e;
      },
    );
  }
  return stop(value, started);
}

const COLUMNS = ['op', 'calls', 'total ms', 'self ms', 'kernel ms', 'overhead ms'] as const;

/** The rows as text: one line per op, numbers right-aligned, and a last line with the wall time. */
function formatTable(rows: readonly ProfileRow[], totalMs: number): string {
  const ms = (v: number) => v.toFixed(3);
  const cells = rows.map((r) => [r.op, String(r.calls), ms(r.totalMs), ms(r.selfMs), ms(r.kernelMs), ms(r.overheadMs)]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(COLUMNS), rule, ...cells.map(line), rule, `wall time ${ms(totalMs)} ms`].join('\n');
}
