// Fused optimizer steps worked by hand for two steps: SGD (momentum, nesterov, dampening, weight
// decay, maximize) and Adam / AdamW / amsgrad, all updating in place.
import type { Backend, Handle } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { backend, download, upload } from './helpers.js';

interface SgdConfig {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  maximize: boolean;
}

/** Runs SGD steps on one parameter vector; returns [param, buf] after each step. */
function sgd(param: number[], grads: number[][], cfg: SgdConfig): number[][][] {
  const be = backend();
  const p = upload(be, 'float32', param);
  const buf = cfg.momentum === 0 ? null : be.alloc('float32', param.length);
  const seen: number[][][] = [];
  grads.forEach((g, step) => {
    const grad = upload(be, 'float32', g);
    be.fused.sgdUpdate?.({ param: p, grad, momentumBuf: buf, n: param.length, firstStep: step === 0, ...cfg });
    seen.push([download(be, p), buf === null ? [] : download(be, buf)]);
  });
  return seen;
}

describe('sgdUpdate', () => {
  it('takes plain steps param -= lr·grad in place', () => {
    const seen = sgd(
      [1, -2],
      [
        [0.5, 0.25],
        [1, 1],
      ],
      {
        lr: 0.5,
        momentum: 0,
        dampening: 0,
        nesterov: false,
        weightDecay: 0,
        maximize: false,
      },
    );
    expect(seen.map((s) => s[0])).toEqual([
      [0.75, -2.125],
      [0.25, -2.625],
    ]);
  });

  it('matches two hand-worked steps with nesterov momentum and weight decay', () => {
    // step 1: g = 0.5 + 0.25·1 = 0.75, buf = 0.75, g = 0.75 + 0.5·0.75 = 1.125, p = 1 - 0.5·1.125 = 0.4375
    // step 2: g = 0.5 + 0.25·0.4375 = 0.609375, buf = 0.5·0.75 + 0.609375 = 0.984375,
    //         g = 0.609375 + 0.5·0.984375 = 1.1015625, p = 0.4375 - 0.5·1.1015625 = -0.11328125
    const seen = sgd([1], [[0.5], [0.5]], {
      lr: 0.5,
      momentum: 0.5,
      dampening: 0,
      nesterov: true,
      weightDecay: 0.25,
      maximize: false,
    });
    expect(seen).toEqual([
      [[0.4375], [0.75]],
      [[-0.11328125], [0.984375]],
    ]);
  });

  it('matches two hand-worked steps with dampened momentum', () => {
    // step 1: buf = g = 1 (no dampening on the first step), p = 2 - 0.25·1 = 1.75
    // step 2: buf = 0.5·1 + (1 - 0.5)·2 = 1.5, p = 1.75 - 0.25·1.5 = 1.375
    const seen = sgd([2], [[1], [2]], {
      lr: 0.25,
      momentum: 0.5,
      dampening: 0.5,
      nesterov: false,
      weightDecay: 0,
      maximize: false,
    });
    expect(seen).toEqual([
      [[1.75], [1]],
      [[1.375], [1.5]],
    ]);
  });

  it('ascends when maximize negates the gradient', () => {
    const seen = sgd([1], [[0.5]], {
      lr: 0.5,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
      maximize: true,
    });
    expect(seen[0][0]).toEqual([1.25]);
  });

  it('leaves an infinite param infinite when weight decay is 0', () => {
    const seen = sgd([Number.POSITIVE_INFINITY], [[1]], {
      lr: 0.1,
      momentum: 0,
      dampening: 0,
      nesterov: false,
      weightDecay: 0,
      maximize: false,
    });
    expect(seen[0][0]).toEqual([Number.POSITIVE_INFINITY]);
  });
});

interface AdamConfig {
  weightDecay: number;
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
}

interface AdamState {
  be: Backend;
  p: Handle;
  m: Handle;
  v: Handle;
  vmax: Handle | null;
}

/** Runs Adam steps (lr 0.1, betas 0.9/0.999, eps 1e-8) on one parameter; returns the state after each step. */
function adam(param: number, grads: number[], cfg: AdamConfig): { p: number; m: number; v: number; vmax: number }[] {
  const be = backend();
  const s: AdamState = {
    be,
    p: upload(be, 'float32', [param]),
    m: be.alloc('float32', 1),
    v: be.alloc('float32', 1),
    vmax: cfg.amsgrad ? be.alloc('float32', 1) : null,
  };
  return grads.map((g, i) => {
    const grad = upload(be, 'float32', [g]);
    be.fused.adamUpdate?.({
      param: s.p,
      grad,
      expAvg: s.m,
      expAvgSq: s.v,
      maxExpAvgSq: s.vmax,
      n: 1,
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: cfg.weightDecay,
      decoupled: cfg.decoupled,
      step: i + 1,
      maximize: cfg.maximize,
    });
    const read = (h: Handle | null) => (h === null ? 0 : download(be, h)[0]);
    return { p: read(s.p), m: read(s.m), v: read(s.v), vmax: read(s.vmax) };
  });
}

const plain: AdamConfig = { weightDecay: 0, decoupled: false, amsgrad: false, maximize: false };

describe('adamUpdate', () => {
  it('matches two hand-worked Adam steps', () => {
    // step 1: m = 0.05, v = 0.00025, m̂ = 0.5, sqrt(v̂) = 0.5, p = 1 - 0.1·0.5/(0.5 + 1e-8) = 0.9
    // step 2 (g = -0.25): m = 0.02, v = 0.00031225, p = 0.9 - 0.1·(0.02/0.19)/(sqrt(0.00031225/0.001999) + 1e-8)
    const [s1, s2] = adam(1, [0.5, -0.25], plain);
    expect(s1.m).toBeCloseTo(0.05, 8);
    expect(s1.v).toBeCloseTo(0.00025, 10);
    expect(s1.p).toBeCloseTo(0.9, 6);
    expect(s2.m).toBeCloseTo(0.02, 8);
    expect(s2.v).toBeCloseTo(0.00031225, 10);
    expect(s2.p).toBeCloseTo(0.8733662987, 6);
  });

  it('adds coupled weight decay to the gradient (Adam)', () => {
    // step 1: g = 0.5 + 0.1·1 = 0.6; step 2: g = -0.25 + 0.1·0.9 = -0.16
    const [s1, s2] = adam(1, [0.5, -0.25], { ...plain, weightDecay: 0.1 });
    expect(s1.m).toBeCloseTo(0.06, 7);
    expect(s1.p).toBeCloseTo(0.9, 6);
    expect(s2.m).toBeCloseTo(0.038, 7);
    expect(s2.p).toBeCloseTo(0.8544413675, 6);
  });

  it('decays the parameter first with decoupled weight decay (AdamW)', () => {
    // step 1: p = 1·(1 - 0.01) - 0.1 = 0.89; step 2: p = 0.89·0.99 - 0.026634 = 0.8544663
    const [s1, s2] = adam(1, [0.5, -0.25], { ...plain, weightDecay: 0.1, decoupled: true });
    expect(s1.m).toBeCloseTo(0.05, 8);
    expect(s1.p).toBeCloseTo(0.89, 6);
    expect(s2.p).toBeCloseTo(0.8544662987, 6);
  });

  it('keeps the running max of v with amsgrad', () => {
    // step 2 (g = 0.01): v = 0.00024985 < vmax = 0.00025, so the denominator uses vmax
    const [, s2] = adam(1, [0.5, 0.01], { ...plain, amsgrad: true });
    expect(s2.v).toBeCloseTo(0.00024985, 10);
    expect(s2.vmax).toBeCloseTo(0.00025, 10);
    expect(s2.p).toBeCloseTo(0.8315394162, 6);
    const [, plain2] = adam(1, [0.5, 0.01], plain);
    expect(plain2.p).toBeCloseTo(0.8315188687, 6);
  });

  it('ascends when maximize negates the gradient', () => {
    const [s1] = adam(1, [0.5], { ...plain, maximize: true });
    expect(s1.m).toBeCloseTo(-0.05, 8);
    expect(s1.p).toBeCloseTo(1.1, 6);
  });

  it('updates many elements in place', () => {
    const be = backend();
    const p = upload(be, 'float32', [1, 2, 3]);
    const grad = upload(be, 'float32', [1, -1, 0]);
    const m = be.alloc('float32', 3);
    const v = be.alloc('float32', 3);
    be.fused.adamUpdate?.({
      ...{ param: p, grad, expAvg: m, expAvgSq: v, maxExpAvgSq: null, n: 3, lr: 0.5, beta1: 0.9, beta2: 0.99 },
      ...{ eps: 1e-8, weightDecay: 0, decoupled: true, step: 1, maximize: false },
    });
    const got = download(be, p);
    expect(got[0]).toBeCloseTo(0.5, 6);
    expect(got[1]).toBeCloseTo(2.5, 6);
    expect(got[2]).toBe(3);
  });
});
