/**
 * The per-layer constraint settings of the playground, as plain data: which constraint kinds a weight can take
 * (by its shape and name), what a setting means, how it is written in the URL hash and in a run's legend, and
 * what is wrong with a setting before the worker tries it. Nothing here touches tensors, so the page and the
 * worker share it and it is tested without a backend.
 */

/** The constraint kinds a layer can pick (`none` leaves it free). */
export const CONSTRAINT_KINDS = [
  'none',
  'maxNorm',
  'unitNorm',
  'l2Ball',
  'nonNeg',
  'positive',
  'spectralNorm',
  'orthogonal',
] as const;

/** One of `CONSTRAINT_KINDS`. */
export type ConstraintKind = (typeof CONSTRAINT_KINDS)[number];

/** How a constraint is enforced: projected after each step, or reparametrized (`value = transform(raw)`). */
export type LayerMode = 'project' | 'reparametrize';

/** A constrainable parameter of a model: its dotted name (as in the state dict) and its shape. */
export interface Layer {
  name: string;
  shape: readonly number[];
}

/** What one layer carries: a kind, its bound (null for kinds without one) and the mode. */
export interface LayerSetting {
  kind: ConstraintKind;
  bound: number | null;
  mode: LayerMode;
}

/** The bound's name for the kinds that take one (the first argument of the core constructor). */
export const BOUND_NAMES: Readonly<Partial<Record<ConstraintKind, string>>> = {
  maxNorm: 'max',
  l2Ball: 'radius',
  spectralNorm: 'maxSigma',
};

/** True when `kind` takes a bound. */
export const hasBound = (kind: ConstraintKind): boolean => BOUND_NAMES[kind] !== undefined;

/** The bound a kind starts with when the user picks it (maxNorm: the model's own bound). */
export function defaultBound(kind: ConstraintKind, maxNorm: number): number | null {
  if (kind === 'maxNorm') return maxNorm;
  if (kind === 'l2Ball') return 10;
  if (kind === 'spectralNorm') return 1;
  return null;
}

/** True for a recurrent layer's stacked gate weights (`lstm.weight_ih_l0`, `lstm.weight_hh_l0`). */
export const isRecurrent = (name: string): boolean => /(^|\.)weight_(ih|hh)_l\d+$/.test(name);

/**
 * The kinds that make sense for `layer`: a weight of 2 or more dims takes the norm bounds (per unit: each slice
 * along dim 0), `nonNeg` and `spectralNorm` (as `[out, in·...]`), and `orthogonal` when it is a matrix (per gate
 * for a recurrent weight); a vector or scalar (a scale) takes `positive` and `nonNeg`.
 */
export function kindsFor(layer: Layer): ConstraintKind[] {
  if (layer.shape.length < 2) return ['none', 'positive', 'nonNeg'];
  const kinds: ConstraintKind[] = ['none', 'maxNorm', 'unitNorm', 'l2Ball', 'nonNeg', 'spectralNorm'];
  if (layer.shape.length === 2) kinds.push('orthogonal');
  return kinds;
}

/** What is wrong with `s` on `layer`, in one sentence naming the layer and the fix; null when it is fine. */
export function layerProblem(layer: Layer, s: LayerSetting): string | null {
  if (!kindsFor(layer).includes(s.kind)) {
    return `${layer.name} [${layer.shape.join(', ')}] cannot take ${s.kind}: pick one of ${kindsFor(layer).join(', ')}`;
  }
  if (hasBound(s.kind) && !(s.bound !== null && Number.isFinite(s.bound) && s.bound > 0)) {
    return `${layer.name}: the ${s.kind} bound (${BOUND_NAMES[s.kind]}) must be a positive number, got ${s.bound === null || Number.isNaN(s.bound) ? 'nothing' : s.bound}`;
  }
  if (s.kind === 'none' && s.mode === 'reparametrize') {
    return `${layer.name}: with no constraint there is nothing to reparametrize; pick a constraint or the project mode`;
  }
  return null;
}

/** The first problem of any layer's setting, or null when every layer is fine. */
export function settingsProblem(
  layers: readonly Layer[],
  settings: Readonly<Record<string, LayerSetting>>,
): string | null {
  for (const layer of layers) {
    const s = settings[layer.name];
    const problem = s ? layerProblem(layer, s) : null;
    if (problem) return problem;
  }
  return null;
}

/** The mode a kind uses when none is picked: `positive` is reparametrized (as in core), the rest projected. */
export const defaultMode = (kind: ConstraintKind): LayerMode => (kind === 'positive' ? 'reparametrize' : 'project');

/** `s` as a hash value: `maxNorm_2`, `orthogonal`, `positive` or, off the kind's default mode, `maxNorm_2_reparametrize`. */
export function formatSetting(s: LayerSetting): string {
  const parts: string[] = [s.kind];
  if (hasBound(s.kind)) parts.push(String(s.bound));
  if (s.mode !== defaultMode(s.kind)) parts.push(s.mode);
  return parts.join('_');
}

/** The setting `text` spells for `layer` (see `formatSetting`), or null when it is not one `layer` can take. */
export function parseSetting(text: string, layer: Layer): LayerSetting | null {
  const [kind, ...rest] = text.split('_') as [ConstraintKind, ...string[]];
  if (!kindsFor(layer).includes(kind)) return null;
  let bound: number | null = null;
  if (hasBound(kind)) {
    bound = Number(rest.shift());
    if (!(Number.isFinite(bound) && bound > 0)) return null;
  }
  const mode = rest.shift() ?? defaultMode(kind);
  if ((mode !== 'project' && mode !== 'reparametrize') || rest.length > 0) return null;
  if (kind === 'none' && mode === 'reparametrize') return null;
  return { kind, bound, mode };
}

/** A layer's name as the legend writes it: without a trailing `.weight` unless only a number would be left. */
export function shortName(name: string): string {
  const short = name.replace(/\.weight$/, '');
  return /^\d+$/.test(short) ? name : short;
}

/** A setting in a few words: `maxNorm 2`, `orthogonal`, `spectralNorm 1 reparam`. */
export function describeSetting(s: LayerSetting): string {
  const bound = hasBound(s.kind) ? ` ${s.bound}` : '';
  return `${s.kind}${bound}${s.mode === defaultMode(s.kind) ? '' : ' reparam'}`;
}

/**
 * The constraints of a run in short, for its legend label: layers with the same setting grouped, in layer
 * order, e.g. `conv1 maxNorm 2 · fc spectralNorm 1` or `conv1+conv2 maxNorm 3`; `no layer constraints` when
 * every layer is free.
 */
export function describeConstraints(
  layers: readonly Layer[],
  settings: Readonly<Record<string, LayerSetting>>,
): string {
  const groups = new Map<string, string[]>();
  for (const layer of layers) {
    const s = settings[layer.name];
    if (!s || s.kind === 'none') continue;
    const key = describeSetting(s);
    groups.set(key, [...(groups.get(key) ?? []), shortName(layer.name)]);
  }
  if (groups.size === 0) return 'no layer constraints';
  return [...groups].map(([setting, names]) => `${names.join('+')} ${setting}`).join(' · ');
}

/**
 * The histogram's marker for a layer with setting `s`: the bound every unit's norm stays under (`maxNorm`, and
 * `l2Ball` and `spectralNorm`, which bound every row too) or sits at (`unitNorm`); null for the other kinds.
 */
export function unitBoundMarker(s: LayerSetting): { at: number; label: string } | null {
  if (s.kind === 'unitNorm') return { at: 1, label: 'unitNorm 1' };
  if (hasBound(s.kind) && s.bound !== null) return { at: s.bound, label: `${s.kind} ${s.bound}` };
  return null;
}
