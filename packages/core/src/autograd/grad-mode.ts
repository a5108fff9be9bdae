/** Whether ops record the autograd graph: `noGrad(fn)` turns recording off for `fn`, `enableGrad(fn)` on. */

let enabled = true;

/** True when ops record gradients. */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs `fn` without recording the autograd graph (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn);
}

/** Runs `fn` with graph recording on, even inside `noGrad` (like `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn);
}
