/**
 * Helpers for the optimizer fault suites: a view of a backend whose `alloc` or kernel calls (required and
 * fused) throw on the k-th call from the moment it is armed, a small mixed model covering every path of the
 * step (unconstrained, exact projection, checked projection, reparametrized), and every built-in optimizer in configurations that
 * exercise their state.
 */
import * as cp from '@cp/core';
import { bits, param } from '../constraints/helpers.js';
import { stateBits } from './step.js';

const C = cp.constraints;
type P = cp.nn.Parameter;

/** What a faulty backend can be made to fail. */
export type FaultKind = 'alloc' | 'kernel';

/** A backend view that can be armed to throw on its k-th `alloc` or kernel call. */
export interface FaultyBackend {
  readonly backend: cp.Backend;
  /** Calls of `kind` since the last `arm`/`count` (allocations, or required and fused kernel calls). */
  calls(): number;
  /** Throws on the k-th call of `kind` from now on (k >= 1), or only counts with k = null. */
  arm(kind: FaultKind, k: number | null): void;
}

/** Wraps `backend` so its allocations or kernels can be made to fail on a chosen call. */
export function faulty(backend: cp.Backend): FaultyBackend {
  let kind: FaultKind = 'alloc';
  let failAt: number | null = null;
  let n = 0;
  const hit = (k: FaultKind, what: string): void => {
    if (k !== kind) return;
    n++;
    if (failAt !== null && n === failAt) {
      throw k === 'alloc'
        ? new cp.OutOfMemoryError(`injected: allocation ${n} fails`)
        : new cp.BackendError(`injected: kernel call ${n} (${what}) fails`);
    }
  };
  const wrapTable = <T extends object>(table: T): T =>
    new Proxy(table, {
      get(target, key, receiver) {
        const f = Reflect.get(target, key, receiver);
        if (typeof f !== 'function') return f;
        return (...args: unknown[]) => {
          hit('kernel', String(key));
          return f.apply(target, args);
        };
      },
    });
  const kernels = wrapTable(backend.kernels);
  const fused = wrapTable(backend.fused);
  const view = new Proxy(backend, {
    get(target, key, receiver) {
      if (key === 'kernels') return kernels;
      if (key === 'fused') return fused;
      if (key === 'name') return `${target.name}-faulty`;
      if (key === 'alloc') {
        return (dtype: cp.DType, size: number) => {
          hit('alloc', 'alloc');
          return target.alloc(dtype, size);
        };
      }
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    backend: view,
    calls: () => n,
    arm(k, at) {
      kind = k;
      failAt = at;
      n = 0;
    },
  };
}

/**
 * A model with a parameter on every path of the step: unconstrained (the largest and a small one), built-in
 * projections (exact, not read back), a function constraint (checked), a reparametrization (`positive()`).
 */
export function mixedModel(): P[] {
  const free = param([
    [0.5, -1.5, 2, 0.25],
    [1, -0.75, 0.1, 3],
    [-2, 0.3, 0.6, -0.4],
  ]);
  const small = param([0.2, -0.3]);
  const normed = param([
    [3, 4],
    [1, 0],
  ]);
  normed.registerConstraint(C.maxNorm(2, { dim: 1 }));
  const boxed = param([0.3, 0.9, -1]);
  boxed.registerConstraint(C.clamp(-1, 1));
  const custom = param([1, 2, 3]);
  custom.registerConstraint(function box(v: cp.Tensor) {
    return v.clamp(0, 2.5);
  });
  const pos = param([0.3, 2]);
  pos.registerConstraint(C.positive());
  return [free, small, normed, boxed, custom, pos];
}

/** Deterministic gradients for `mixedModel()`'s parameters; `step` varies them. */
export function mixedGrads(ps: P[], step: number): void {
  ps.forEach((p, i) => {
    p.grad?.dispose();
    p.grad = cp
      .arange(p.size)
      .reshape(p.shape)
      .mul(0.37 * (i + 1))
      .add(step * 0.11 - 0.5)
      .sin();
  });
}

/** Every built-in optimizer, configured so that its state is used (momentum, amsgrad, centered...). */
export const ALL_OPTIMIZERS: [string, (ps: P[]) => cp.optim.Optimizer][] = [
  ['SGD', (ps) => new cp.optim.SGD(ps, { lr: 0.1 })],
  ['SGD nesterov wd', (ps) => new cp.optim.SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['Adam amsgrad clipNorm', (ps) => new cp.optim.Adam(ps, { lr: 0.1, amsgrad: true, clipNorm: 1 })],
  ['AdamW clipValue', (ps) => new cp.optim.AdamW(ps, { lr: 0.1, clipValue: 0.5 })],
  ['RMSprop centered momentum', (ps) => new cp.optim.RMSprop(ps, { lr: 0.05, momentum: 0.5, centered: true })],
  ['RMSprop', (ps) => new cp.optim.RMSprop(ps, { lr: 0.05 })],
  ['Adagrad', (ps) => new cp.optim.Adagrad(ps, { lr: 0.3, lrDecay: 0.01 })],
];

/**
 * Every parameter's bits and the optimizer state, as one string. (A reparametrized parameter's raw tensor is
 * not public: tests compare the steps that follow with an undisturbed run instead.)
 */
export function snapshot(ps: P[], opt: cp.optim.Optimizer): string {
  const values = ps.map((p) => Array.from(new Uint32Array(bits(p).buffer)));
  return JSON.stringify({ values, state: stateBits(opt) });
}

/**
 * Runs `steps` steps of `make(mixedModel())` with `mixedGrads`, calling `disturb(opt, ps, step)` before each
 * step (it may make that step fail or be skipped); returns the final snapshot.
 */
export function train(
  make: (ps: P[]) => cp.optim.Optimizer,
  steps: number,
  disturb?: (opt: cp.optim.Optimizer, ps: P[], step: number) => void,
): string {
  return cp.tidy(() => {
    const ps = mixedModel();
    const opt = make(ps);
    for (let s = 0; s < steps; s++) {
      mixedGrads(ps, s);
      if (disturb) disturb(opt, ps, s);
      else opt.step();
    }
    const out = snapshot(ps, opt);
    opt.zeroGrad();
    return out;
  });
}

/** Replaces the first element of parameter `index`'s gradient with `bad` (NaN or ±Infinity). */
export function poison(ps: cp.nn.Parameter[], index: number, bad: number): void {
  const g = ps[index].grad!;
  const data = Float32Array.from(g.dataSync() as Float32Array);
  data[0] = bad;
  g.dispose();
  ps[index].grad = cp.tensor(data, { shape: ps[index].shape });
}
