// A model's constrainable layers and default settings, read from the demo's specs (built on the js backend),
// and the mapping from a registered core constraint back to a playground setting.
import { createJsBackend } from '@cp/backend-js';
import { constraints as C, setBackendSync } from '@cp/core';
import { MODEL_NAMES, MODELS } from '@cp/mnist-demo';
import { beforeAll, describe, expect, test } from 'vitest';
import { chooseLayers, modelLayers, RUN_DEFAULTS, settingOf } from '../src/model-layers.js';

beforeAll(() => {
  setBackendSync(createJsBackend());
});

describe('chooseLayers', () => {
  test('keeps the weights of 2 or more dims and the constrained parameters, in order', () => {
    const named = [
      ['0.weight', [4, 3]],
      ['0.bias', [4]],
      ['norm.weight', [4]],
      ['attn.in_proj_weight', [12, 4]],
      ['pos', [1, 4, 4]],
      ['5.scale', [1]],
    ] as const;
    expect(chooseLayers(named, new Set(['5.scale'])).map((l) => l.name)).toEqual([
      '0.weight',
      'attn.in_proj_weight',
      '5.scale',
    ]);
  });
});

describe('modelLayers', () => {
  test("the MLP: its three weights and the logit scale, with the spec's maxNorm and positive as defaults", () => {
    const m = modelLayers(MODELS.mlp);
    expect(m.layers.map((l) => l.name)).toEqual(['0.weight', '2.weight', '4.weight', '5.scale']);
    expect(m.layers[0].shape).toEqual([256, 784]);
    expect(m.defaults).toEqual({
      '0.weight': { kind: 'maxNorm', bound: 1.5, mode: 'project' },
      '2.weight': { kind: 'maxNorm', bound: 1.5, mode: 'project' },
      '4.weight': { kind: 'none', bound: null, mode: 'project' },
      '5.scale': { kind: 'positive', bound: null, mode: 'reparametrize' },
    });
    expect(m.parameters).toBe(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10 + 1);
  });
  test('the CNN: both conv kernels and the classifier, each with maxNorm 3', () => {
    const m = modelLayers(MODELS.cnn);
    expect(m.layers.map((l) => l.name)).toEqual(['conv1.weight', 'conv2.weight', 'fc.weight']);
    for (const l of m.layers) expect(m.defaults[l.name]).toEqual({ kind: 'maxNorm', bound: 3, mode: 'project' });
  });
  test('the LSTM: its input and recurrent weights (only the input weights constrained) and the classifier', () => {
    const m = modelLayers(MODELS.lstm);
    expect(m.layers.map((l) => `${l.name} [${l.shape}]`)).toEqual([
      'lstm.weight_ih_l0 [512,28]',
      'lstm.weight_hh_l0 [512,128]',
      'fc.weight [10,128]',
    ]);
    expect(m.defaults['lstm.weight_ih_l0'].kind).toBe('maxNorm');
    expect(m.defaults['lstm.weight_hh_l0'].kind).toBe('none');
  });
  test('the ViT: the patch embedding, attention, feed-forward and head weights, feed-forward and head constrained', () => {
    const m = modelLayers(MODELS.vit);
    expect(m.layers).toHaveLength(10);
    expect(m.layers.map((l) => l.name)).toContain('encoder.1.self_attn.in_proj_weight');
    const constrained = m.layers.filter((l) => m.defaults[l.name].kind !== 'none').map((l) => l.name);
    expect(constrained).toEqual([...MODELS.vit.normed]);
  });
  test('every model reads back the kinds of all the constraints its spec registers', () => {
    for (const name of MODEL_NAMES) expect(modelLayers(MODELS[name]).model).toBe(name);
  });
});

describe('settingOf', () => {
  test('reads each kind and bound back from the core constraint, a per-gate chunk as its inner one', () => {
    expect(settingOf(C.maxNorm(2, { dim: 1 }), 'project')).toEqual({ kind: 'maxNorm', bound: 2, mode: 'project' });
    expect(settingOf(C.l2Ball(4), 'project').bound).toBe(4);
    expect(settingOf(C.spectralNorm(0.5), 'reparametrize')).toEqual({
      kind: 'spectralNorm',
      bound: 0.5,
      mode: 'reparametrize',
    });
    expect(settingOf(C.perGate(C.orthogonal(), 'lstm'), 'project')).toEqual({
      kind: 'orthogonal',
      bound: null,
      mode: 'project',
    });
  });
  test('a constraint the controls cannot show is an error naming it', () => {
    expect(() => settingOf(C.simplex(), 'project')).toThrow(/no control for the constraint simplex/);
  });
});

test('every model has short-run defaults of at most 5 epochs', () => {
  for (const name of MODEL_NAMES) expect(RUN_DEFAULTS[name].epochs).toBeLessThanOrEqual(5);
});
