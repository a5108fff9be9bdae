// The URL hash: every control, the model and each layer's setting survive encode then decode; a hash without
// a model opens the MLP; a bad value keeps the model's default.
import { createJsBackend } from '@cp/backend-js';
import { setBackendSync } from '@cp/core';
import { MODEL_NAMES, MODELS, type ModelName } from '@cp/mnist-demo';
import { beforeAll, describe, expect, test } from 'vitest';
import { type ModelLayers, modelLayers, RUN_DEFAULTS } from '../src/model-layers.js';
import { decodeControls, defaultControls, encodeControls, type ModelCatalog } from '../src/url-state.js';

let built: Map<ModelName, ModelLayers>;
const catalog: ModelCatalog = (name) => built.get(name)!;

beforeAll(() => {
  setBackendSync(createJsBackend());
  built = new Map(MODEL_NAMES.map((n) => [n, modelLayers(MODELS[n])]));
});

describe('the URL hash', () => {
  test('a page without a hash opens the MLP with its defaults, watching its first constrained layer', () => {
    const c = decodeControls('', catalog);
    expect(c).toEqual(defaultControls(catalog('mlp')));
    expect(c).toMatchObject({ model: 'mlp', epochs: RUN_DEFAULTS.mlp.epochs, watch: '0.weight', constraints: true });
  });
  test('a CNN run with per-layer settings survives encode then decode', () => {
    const c = {
      ...defaultControls(catalog('cnn')),
      backend: 'js' as const,
      epochs: 2,
      optimizer: 'sgd' as const,
      lr: 0.02,
      settings: {
        'conv1.weight': { kind: 'maxNorm' as const, bound: 2, mode: 'project' as const },
        'conv2.weight': { kind: 'none' as const, bound: null, mode: 'project' as const },
        'fc.weight': { kind: 'spectralNorm' as const, bound: 1, mode: 'reparametrize' as const },
      },
      watch: 'fc.weight',
    };
    const hash = encodeControls(c);
    expect(hash).toContain('model=cnn');
    expect(hash).toContain('w.conv1.weight=maxNorm_2');
    expect(hash).toContain('w.fc.weight=spectralNorm_1_reparametrize');
    expect(decodeControls(`#${hash}`, catalog)).toEqual(c);
  });
  test('every model with its defaults survives encode then decode', () => {
    for (const name of MODEL_NAMES) {
      const c = defaultControls(catalog(name));
      expect(decodeControls(encodeControls(c), catalog)).toEqual(c);
    }
  });
  test('an old hash without a model opens the MLP with its values', () => {
    const c = decodeControls('#backend=js&constraints=0&epochs=7&optimizer=sgd&lr=0.05', catalog);
    expect(c).toMatchObject({ model: 'mlp', backend: 'js', constraints: false, epochs: 7, optimizer: 'sgd', lr: 0.05 });
  });
  test("bad values keep the model's defaults: an unknown model, a kind the layer cannot take, a bad bound, an unknown watch", () => {
    const c = decodeControls(
      '#model=resnet&epochs=0&lr=-1&w.0.weight=orthogonal_x&w.2.weight=maxNorm_-3&watch=nope',
      catalog,
    );
    expect(c).toEqual(defaultControls(catalog('mlp')));
    const cnn = decodeControls('#model=cnn&w.conv1.weight=orthogonal&watch=fc.weight', catalog);
    expect(cnn.settings['conv1.weight']).toEqual(catalog('cnn').defaults['conv1.weight']);
    expect(cnn.watch).toBe('fc.weight');
  });
  test('with the default layers switched off, the histogram watches the first constrained layer left', () => {
    const c = decodeControls('#model=cnn&w.conv1.weight=none&w.conv2.weight=none', catalog);
    expect(c.watch).toBe('fc.weight');
  });
});
