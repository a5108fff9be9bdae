/**
 * A model's constrainable layers for the playground's controls: its weights (parameters of 2 or more dims
 * with `weight` in their name, in state-dict order) and whatever else its `ModelSpec` constrains by default
 * (the MLP's logit scale), with those default constraints as settings; and the short-run defaults (epochs,
 * learning rate) the playground starts each model with.
 */
import { constraints as C, type nn } from '@cp/core';
import type { ModelName, ModelSpec } from '@cp/mnist-demo';
import type { Layer, LayerMode, LayerSetting } from './layers.js';

/** A model as the controls show it: name, architecture, parameter count, layers and their default settings. */
export interface ModelLayers {
  model: ModelName;
  title: string;
  /** Number of trainable scalars. */
  parameters: number;
  layers: Layer[];
  /** The spec's default constraint of each layer (`none` where it registers nothing). */
  defaults: Record<string, LayerSetting>;
  /** The spec's per-unit `maxNorm` bound (the bound a newly picked `maxNorm` starts with). */
  maxNorm: number;
}

/**
 * Epochs and learning rate of a playground run per model, chosen so a run takes a minute or less on wasm on a
 * 2-core machine (about 125 steps an epoch: the MLP and the CNN take 10-20 ms a step, the ViT and the LSTM
 * 40-55 ms) and ends well above chance.
 */
export const RUN_DEFAULTS: Readonly<Record<ModelName, { epochs: number; lr: number }>> = {
  mlp: { epochs: 3, lr: 1e-3 },
  cnn: { epochs: 3, lr: 3e-3 },
  lstm: { epochs: 3, lr: 3e-3 },
  vit: { epochs: 3, lr: 2e-3 },
};

/**
 * The layers the controls list, from a model's named parameter shapes: every parameter of 2 or more dims whose
 * last name part contains `weight` (`0.weight`, `conv1.weight`, `lstm.weight_hh_l0`, `self_attn.in_proj_weight`),
 * plus any parameter in `constrained` (constrained by the spec, such as a scale), in the order given.
 */
export function chooseLayers(
  named: readonly (readonly [string, readonly number[]])[],
  constrained: ReadonlySet<string>,
): Layer[] {
  return named
    .filter(([name, shape]) => constrained.has(name) || (shape.length >= 2 && /weight/.test(name.split('.').pop()!)))
    .map(([name, shape]) => ({ name, shape: [...shape] }));
}

/** The playground setting of a registered core constraint (a per-gate `chunk` reads as its inner constraint). */
export function settingOf(c: C.Constraint, mode: LayerMode): LayerSetting {
  const o = c.options as Record<string, unknown>;
  switch (c.name) {
    case 'maxNorm':
      return { kind: 'maxNorm', bound: Number(o.max), mode };
    case 'l2Ball':
      return { kind: 'l2Ball', bound: Number(o.radius), mode };
    case 'spectralNorm':
      return { kind: 'spectralNorm', bound: Number(o.maxSigma), mode };
    case 'unitNorm':
    case 'nonNeg':
    case 'positive':
    case 'orthogonal':
      return { kind: c.name, bound: null, mode };
    case 'chunk':
      return settingOf((c as C.ChunkConstraint).inner, mode);
    default:
      throw new Error(`the playground has no control for the constraint ${c}; add its kind to src/layers.ts`);
  }
}

/**
 * Builds `spec`'s model on the current backend, registers its default constraints, and reads back its layers,
 * their settings and its parameter count (then frees the model).
 */
export function modelLayers(spec: ModelSpec): ModelLayers {
  const model: nn.Module = spec.create();
  try {
    spec.register(model, spec.defaults);
    const named = model.namedParameters();
    const registered = new Map(
      named.flatMap(([name, p]) =>
        C.constraintsOf(p)
          .slice(0, 1)
          .map((e) => [name, e] as const),
      ),
    );
    const layers = chooseLayers(
      named.map(([name, p]) => [name, p.shape] as const),
      new Set(registered.keys()),
    );
    const defaults: Record<string, LayerSetting> = {};
    for (const { name } of layers) {
      const e = registered.get(name);
      defaults[name] = e ? settingOf(e.constraint, e.mode) : { kind: 'none', bound: null, mode: 'project' };
    }
    return {
      model: spec.name,
      title: spec.title,
      parameters: named.reduce((n, [, p]) => n + p.size, 0),
      layers,
      defaults,
      maxNorm: spec.defaults.maxNorm,
    };
  } finally {
    model.dispose();
  }
}
