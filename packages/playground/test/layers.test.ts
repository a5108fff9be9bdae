// The per-layer settings as data: which kinds a layer can take, what is wrong with a setting, the hash
// spelling of a setting and its round trip, and the legend's short description of a run's constraints.
import { describe, expect, test } from 'vitest';
import {
  CONSTRAINT_KINDS,
  describeConstraints,
  formatSetting,
  kindsFor,
  type Layer,
  type LayerSetting,
  layerProblem,
  parseSetting,
  settingsProblem,
  shortName,
  unitBoundMarker,
} from '../src/layers.js';

const fc: Layer = { name: 'fc.weight', shape: [10, 800] };
const conv1: Layer = { name: 'conv1.weight', shape: [16, 1, 3, 3] };
const scale: Layer = { name: '5.scale', shape: [1] };
const set = (kind: LayerSetting['kind'], bound: number | null = null, mode: LayerSetting['mode'] = 'project') => ({
  kind,
  bound,
  mode,
});

describe('kindsFor', () => {
  test('a matrix takes every norm bound, nonNeg, spectralNorm and orthogonal', () => {
    expect(kindsFor(fc)).toEqual(['none', 'maxNorm', 'unitNorm', 'l2Ball', 'nonNeg', 'spectralNorm', 'orthogonal']);
  });
  test('a conv kernel takes the norm bounds but not orthogonal', () => {
    expect(kindsFor(conv1)).not.toContain('orthogonal');
    expect(kindsFor(conv1)).toContain('maxNorm');
  });
  test('a scale takes positive and nonNeg only', () => {
    expect(kindsFor(scale)).toEqual(['none', 'positive', 'nonNeg']);
  });
});

describe('layerProblem', () => {
  test('a fitting setting has no problem', () => {
    expect(layerProblem(fc, set('maxNorm', 2))).toBeNull();
    expect(layerProblem(fc, set('orthogonal', null, 'reparametrize'))).toBeNull();
  });
  test('a bound that is not positive names the layer, the kind and the bound', () => {
    expect(layerProblem(fc, set('maxNorm', -1))).toBe(
      'fc.weight: the maxNorm bound (max) must be a positive number, got -1',
    );
    expect(layerProblem(fc, set('spectralNorm', Number.NaN))).toMatch(/^fc\.weight: .*maxSigma.*got nothing$/);
  });
  test('a kind the layer cannot take names the shape and the kinds it can', () => {
    expect(layerProblem(conv1, set('orthogonal'))).toBe(
      'conv1.weight [16, 1, 3, 3] cannot take orthogonal: pick one of none, maxNorm, unitNorm, l2Ball, nonNeg, spectralNorm',
    );
  });
  test('reparametrizing no constraint is a problem', () => {
    expect(layerProblem(fc, set('none', null, 'reparametrize'))).toMatch(/nothing to reparametrize/);
  });
  test('settingsProblem reports the first layer with a problem', () => {
    const s = { 'conv1.weight': set('maxNorm', 3), 'fc.weight': set('l2Ball', 0) };
    expect(settingsProblem([conv1, fc], s)).toMatch(/^fc\.weight: the l2Ball bound/);
    expect(settingsProblem([conv1], s)).toBeNull();
  });
});

describe('the hash spelling of a setting', () => {
  test('formatSetting writes the bound and only a mode that is not the default', () => {
    expect(formatSetting(set('maxNorm', 2))).toBe('maxNorm_2');
    expect(formatSetting(set('orthogonal', null, 'reparametrize'))).toBe('orthogonal_reparametrize');
    expect(formatSetting(set('positive', null, 'reparametrize'))).toBe('positive');
    expect(formatSetting(set('positive', null, 'project'))).toBe('positive_project');
  });
  test('every kind a layer can take, in either mode, survives format then parse', () => {
    for (const layer of [fc, conv1, scale]) {
      for (const kind of kindsFor(layer)) {
        for (const mode of ['project', 'reparametrize'] as const) {
          if (kind === 'none' && mode === 'reparametrize') continue;
          const s = set(kind, ['maxNorm', 'l2Ball', 'spectralNorm'].includes(kind) ? 0.25 : null, mode);
          expect(parseSetting(formatSetting(s), layer)).toEqual(s);
        }
      }
    }
  });
  test('parseSetting refuses unknown kinds, kinds the layer cannot take, bad bounds and extra parts', () => {
    for (const text of [
      'bogus',
      'orthogonal',
      'maxNorm',
      'maxNorm_-1',
      'maxNorm_x',
      'maxNorm_2_sideways',
      'none_reparametrize',
      'nonNeg_project_x',
    ])
      expect(parseSetting(text, conv1)).toBeNull();
    expect(CONSTRAINT_KINDS.every((k) => parseSetting(k, scale) === null || kindsFor(scale).includes(k))).toBe(true);
  });
});

describe('describeConstraints', () => {
  test('names each constrained layer without .weight, as the legend shows it', () => {
    const s = { 'conv1.weight': set('maxNorm', 2), 'conv2.weight': set('none'), 'fc.weight': set('spectralNorm', 1) };
    const conv2: Layer = { name: 'conv2.weight', shape: [32, 16, 3, 3] };
    expect(describeConstraints([conv1, conv2, fc], s)).toBe('conv1 maxNorm 2 · fc spectralNorm 1');
  });
  test('groups layers with the same setting, marks reparametrization and keeps numbered names whole', () => {
    const a: Layer = { name: '0.weight', shape: [256, 784] };
    const b: Layer = { name: '2.weight', shape: [128, 256] };
    const s = {
      '0.weight': set('maxNorm', 1.5),
      '2.weight': set('maxNorm', 1.5),
      '5.scale': set('positive', null, 'reparametrize'),
    };
    expect(describeConstraints([a, b, scale], s)).toBe('0.weight+2.weight maxNorm 1.5 · 5.scale positive');
    expect(describeConstraints([fc], { 'fc.weight': set('orthogonal', null, 'reparametrize') })).toBe(
      'fc orthogonal reparam',
    );
  });
  test('says so when no layer is constrained', () => {
    expect(describeConstraints([fc], { 'fc.weight': set('none') })).toBe('no layer constraints');
  });
  test('shortName drops .weight but not to a bare number', () => {
    expect(shortName('lstm.weight_hh_l0')).toBe('lstm.weight_hh_l0');
    expect(shortName('encoder.0.linear1.weight')).toBe('encoder.0.linear1');
    expect(shortName('4.weight')).toBe('4.weight');
  });
});

describe('unitBoundMarker', () => {
  test('marks the bound of the norm kinds and the unit sphere of unitNorm, nothing for the others', () => {
    expect(unitBoundMarker(set('maxNorm', 2))).toEqual({ at: 2, label: 'maxNorm 2' });
    expect(unitBoundMarker(set('spectralNorm', 1))).toEqual({ at: 1, label: 'spectralNorm 1' });
    expect(unitBoundMarker(set('unitNorm'))).toEqual({ at: 1, label: 'unitNorm 1' });
    expect(unitBoundMarker(set('orthogonal'))).toBeNull();
    expect(unitBoundMarker(set('none'))).toBeNull();
  });
});
