/**
 * The run's settings in the page's URL hash, so a result can be shared: the page writes the hash on every start
 * and restores the controls from it on load. For example
 * `#backend=wasm&constraints=1&model=cnn&epochs=3&optimizer=adam&lr=0.003&w.conv1.weight=maxNorm_2&w.conv2.weight=none&w.fc.weight=spectralNorm_1&watch=conv1.weight`:
 * one `w.<layer>` entry per constrainable layer (see `formatSetting`), and the layer the histogram watches.
 */
import { type BackendName, MODEL_NAMES, type ModelName, OPTIMIZER_NAMES, type OptimizerName } from '@cp/mnist-demo';
import { formatSetting, type LayerSetting, parseSetting } from './layers.js';
import { type ModelLayers, RUN_DEFAULTS } from './model-layers.js';

/** The settings a run is started with. */
export interface RunControls {
  backend: BackendName;
  /** The master switch: off trains with no constraint and no gradient clip, whatever the layers say. */
  constraints: boolean;
  model: ModelName;
  epochs: number;
  optimizer: OptimizerName;
  lr: number;
  /** Each constrainable layer's setting, by its dotted name. */
  settings: Record<string, LayerSetting>;
  /** The layer whose unit norms the histogram draws. */
  watch: string;
}

/** Looks up a model's layers and default settings (the page builds them once per model). */
export type ModelCatalog = (model: ModelName) => ModelLayers;

/** The layer the histogram watches by default: the first constrained one, or the first one. */
export function defaultWatch(m: ModelLayers, settings: Readonly<Record<string, LayerSetting>> = m.defaults): string {
  return (m.layers.find((l) => settings[l.name]?.kind !== 'none') ?? m.layers[0]).name;
}

/** The controls of a page opened on model `m` without a hash: its defaults. */
export function defaultControls(m: ModelLayers): RunControls {
  return {
    backend: 'wasm',
    constraints: true,
    model: m.model,
    ...RUN_DEFAULTS[m.model],
    optimizer: 'adam',
    settings: structuredClone(m.defaults),
    watch: defaultWatch(m),
  };
}

/** `c` as a URL hash (without the `#`). */
export function encodeControls(c: RunControls): string {
  const q = new URLSearchParams({
    backend: c.backend,
    constraints: c.constraints ? '1' : '0',
    model: c.model,
    epochs: String(c.epochs),
    optimizer: c.optimizer,
    lr: String(c.lr),
  });
  for (const [name, s] of Object.entries(c.settings)) q.set(`w.${name}`, formatSetting(s));
  q.set('watch', c.watch);
  return q.toString();
}

/**
 * The controls in `hash` (with or without the `#`); a missing or invalid value keeps the default of the model
 * the hash names (the MLP when it names none), and so does a layer setting that layer cannot take.
 */
export function decodeControls(hash: string, catalog: ModelCatalog): RunControls {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const model = q.get('model') as ModelName | null;
  const m = catalog(model && MODEL_NAMES.includes(model) ? model : 'mlp');
  const c = defaultControls(m);
  const backend = q.get('backend');
  if (backend === 'wasm' || backend === 'js') c.backend = backend;
  if (q.has('constraints')) c.constraints = q.get('constraints') !== '0';
  const epochs = Number(q.get('epochs'));
  if (Number.isInteger(epochs) && epochs >= 1 && epochs <= 50) c.epochs = epochs;
  const optimizer = q.get('optimizer') as OptimizerName | null;
  if (optimizer && OPTIMIZER_NAMES.includes(optimizer)) c.optimizer = optimizer;
  const lr = Number(q.get('lr'));
  if (Number.isFinite(lr) && lr > 0 && lr < 10) c.lr = lr;
  for (const layer of m.layers) {
    const text = q.get(`w.${layer.name}`);
    const s = text === null ? null : parseSetting(text, layer);
    if (s) c.settings[layer.name] = s;
  }
  const watch = q.get('watch');
  c.watch = watch && m.layers.some((l) => l.name === watch) ? watch : defaultWatch(m, c.settings);
  return c;
}
