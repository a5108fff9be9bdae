/**
 * Anomaly mode (like `torch.autograd.detect_anomaly`): while it is on, the output of every recorded op and
 * every gradient a backward rule returns is read back and checked for NaN and ±Infinity, and the first
 * offender raises an `AnomalyError` naming the op, the pass (forward or backward), the input shapes, the
 * output shape and, in backward, which input's gradient. Off by default; when off, dispatch and the
 * backward loop pay one boolean check each (`anomalyState.on`).
 */
import { CpError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { type GradNode, type Grads, runRule } from './node.js';

/** A NaN or ±Infinity found by anomaly mode: the first op that produced one, forward or backward. */
export class AnomalyError extends CpError {
  override name = 'AnomalyError';
}

/**
 * @internal The switch dispatch and backward read. `rules` counts backward rules running, so the ops a
 * rule is made of are not reported as forward anomalies (the rule's result is checked as a whole).
 */
export const anomalyState = { on: false, rules: 0 };

/** True while anomaly mode is on. */
export function isAnomalyEnabled(): boolean {
  return anomalyState.on;
}

/** Turns anomaly mode on or off globally (prefer `detectAnomaly(fn)`, which restores the previous mode). */
export function setDetectAnomaly(on: boolean): void {
  anomalyState.on = on;
}

/**
 * Runs `fn` with anomaly mode on and restores the previous mode afterwards (after the promise settles when
 * `fn` is async; other code running meanwhile is checked too).
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyState.on;
  anomalyState.on = true;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    anomalyState.on = previous;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      anomalyState.on = previous;
    }) as T;
  }
  anomalyState.on = previous;
  return result;
}

/** The first non-finite value of a float32 tensor and its flat index, or null (other dtypes are always finite). */
function firstNonFinite(t: Tensor): { index: number; value: number } | null {
  if (t.dtype !== 'float32') return null;
  const data = t.dataSync();
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return { index: i, value: data[i] };
  return null;
}

function describeInputs(inputs: readonly Tensor[]): string {
  const parts = inputs.map((x, k) => {
    const bad = x.isDisposed ? null : firstNonFinite(x);
    return `${fmtShape(x.shape)}${bad ? ` (input ${k} already holds ${bad.value})` : ''}`;
  });
  return parts.length === 0 ? 'no tensor inputs' : `input shapes ${parts.join(', ')}`;
}

/** @internal Checks an op's forward output; called by dispatch's `record` while anomaly mode is on. */
export function checkForward(op: string, inputs: readonly Tensor[], out: Tensor): void {
  if (anomalyState.rules > 0) return;
  const bad = firstNonFinite(out);
  if (!bad) return;
  throw new AnomalyError(
    `anomaly in forward of '${op}': output (shape ${fmtShape(out.shape)}) holds ${bad.value} at flat index ${bad.index}; ${describeInputs(inputs)}`,
  );
}

/**
 * @internal Runs `node`'s backward rule on `gradOut` and checks every gradient it returns; called by the
 * backward loop while anomaly mode is on. `outShape` is the shape of the node's output.
 */
export function runRuleChecked(node: GradNode, gradOut: Tensor, outShape: readonly number[]): Grads {
  if (!node.rule) return [];
  anomalyState.rules++;
  let grads: Grads;
  try {
    grads = runRule(node, gradOut);
  } finally {
    anomalyState.rules--;
  }
  grads.forEach((g, k) => {
    if (!g || !node.inputs[k]?.requiresGrad) return;
    const bad = firstNonFinite(g);
    if (!bad) return;
    throw new AnomalyError(
      `anomaly in backward of '${node.op}': the gradient of input ${k} (shape ${fmtShape(g.shape)}) holds ${bad.value} at flat index ${bad.index}; ${describeInputs(node.inputs)}, output shape ${fmtShape(outShape)}`,
    );
  });
  return grads;
}
