/**
 * The checkpoint suites' fixture: a small constrained model (maxNorm per row, nonNeg, a reparametrized
 * `positive` scale and `interval` bias, a gradient clamp, an int32 buffer) trained a few Adam steps, and an
 * exact snapshot of everything a load may touch (values, raw tensors, constraint specs, buffers, optimizer
 * state and options, the default generator), compared bit for bit.
 */
import * as cp from '@cp/core';

const { nn, constraints: C } = cp;

/** A learnable positive scale and a persistent int32 counter. */
class Scale extends nn.Module {
  /** Kept positive by a reparametrized constraint. */
  scale = new nn.Parameter(cp.ones([2]));

  constructor() {
    super();
    this.registerBuffer('seen', cp.tensor([3], { dtype: 'int32' }));
  }

  override forward(x: cp.Tensor): cp.Tensor {
    return x.mul(this.scale);
  }
}

/** The fixture: a model and its Adam optimizer, after `steps` training steps from `seed`. */
export interface Trained {
  model: cp.nn.Sequential;
  opt: cp.optim.Adam;
}

/** A fresh model of the fixture's architecture with its constraints registered (draws from the generator). */
export function freshModel(): cp.nn.Sequential {
  const model = new nn.Sequential(
    new nn.Linear(3, 4, { weightConstraint: C.maxNorm(0.8, { dim: 1 }) }),
    new nn.ReLU(),
    new nn.Linear(4, 2, { weightConstraint: C.nonNeg() }),
    new Scale(),
  );
  const [, b0, , b2, scale] = model.parameters();
  b0.registerGradConstraint(C.clamp(-1, 1));
  b2.registerConstraint(C.interval(-1, 1), { mode: 'reparametrize' });
  scale.registerConstraint(C.positive());
  return model;
}

/** The fixture model trained `steps` Adam steps on random batches. */
export function trained(seed: number, steps = 2): Trained {
  cp.manualSeed(seed);
  const model = freshModel();
  const opt = new cp.optim.Adam(model.parameters(), { lr: 0.05 });
  for (let i = 0; i < steps; i++) {
    cp.tidy(() => {
      const x = cp.randn([5, 3]);
      const loss = model.call(x).square().mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  }
  return { model, opt };
}

/** Frees the fixture's tensors. */
export function disposeTrained(t: Trained): void {
  for (const s of t.opt.state.values()) for (const v of Object.values(s)) if (cp.isTensor(v)) v.dispose();
  t.model.dispose();
}

/** A tensor's bytes (exact: NaN payloads and -0 included). */
export function bytesOf(t: cp.Tensor): number[] {
  const data = t.dataSync();
  return Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** JSON that keeps non-finite numbers and -0 apart (for comparing specs and options exactly). */
function exactJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    typeof x === 'number' && (!Number.isFinite(x) || Object.is(x, -0)) ? `#${String(x)}#` : x,
  );
}

/** Everything a checkpoint load may change, as plain data. */
export function snapshot(model: cp.nn.Module, opt?: cp.optim.Optimizer): unknown {
  // NOTE: the raw tensors behind reparametrized parameters are not public; a checkpoint of the model has them.
  const saved = cp.decodeSafetensors(cp.saveCheckpoint({ model })).tensors;
  const params = model.namedParameters().map(([k, p]) => {
    const raw = saved.get(`raw.${k}`)?.data;
    return {
      k,
      value: bytesOf(p),
      raw: raw ? Array.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength)) : null,
      specs: exactJson(cp.constraints.constraintSpecs(p)),
    };
  });
  const buffers = model.namedBuffers().map(([k, b]) => [k, b.dtype, b.shape, bytesOf(b)]);
  const state = opt
    ? [...opt.state.entries()]
        .map(([p, s]) => [
          opt.paramGroups.flatMap((g) => g.params).indexOf(p),
          Object.entries(s).map(([key, v]) => [key, cp.isTensor(v) ? [v.shape, bytesOf(v)] : exactJson(v)]),
        ])
        .sort((x, y) => (x[0] as number) - (y[0] as number))
    : null;
  const groups = opt ? exactJson(opt.paramGroups.map((g) => ({ ...g, params: g.params.length }))) : null;
  return { params, buffers, state, groups, rng: cp.defaultGenerator.getState() };
}
