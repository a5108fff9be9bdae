// From a playground setting to the core constraint it registers: per-unit dims, per-gate orthogonality on the
// LSTM, registration on a real model (feasible at once, in the mode asked), errors that name the layer, and a
// few training steps of the LSTM and the ViT with settings the page can make.
import { createJsBackend } from '@cp/backend-js';
import { constraints as C, eye, Generator, manualSeed, setBackendSync } from '@cp/core';
import { type Digits, MODELS, PIXELS, Trainer } from '@cp/mnist-demo';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildConstraint, LayerSettingError, registerLayerConstraints } from '../src/build-constraint.js';
import { kindsFor, type Layer, type LayerSetting } from '../src/layers.js';
import { modelLayers, settingOf } from '../src/model-layers.js';
import { unitNorms } from '../src/watch.js';

beforeAll(() => {
  setBackendSync(createJsBackend());
});

const fc: Layer = { name: 'fc.weight', shape: [10, 800] };
const conv1: Layer = { name: 'conv1.weight', shape: [16, 1, 3, 3] };
const hh: Layer = { name: 'lstm.weight_hh_l0', shape: [512, 128] };

describe('buildConstraint', () => {
  test('maxNorm and unitNorm bound each unit: dim 1 of a matrix, dims 1-3 of a conv kernel', () => {
    expect(String(buildConstraint(fc, { kind: 'maxNorm', bound: 2, mode: 'project' }))).toBe(
      String(C.maxNorm(2, { dim: 1 })),
    );
    expect(String(buildConstraint(conv1, { kind: 'unitNorm', bound: null, mode: 'project' }))).toBe(
      String(C.unitNorm({ dim: [1, 2, 3] })),
    );
  });
  test('orthogonal is per gate on a recurrent weight and whole on any other matrix', () => {
    const gates = buildConstraint(hh, { kind: 'orthogonal', bound: null, mode: 'project' });
    expect(gates).toBeInstanceOf(C.ChunkConstraint);
    expect((gates as C.ChunkConstraint).chunks).toBe(4);
    expect(buildConstraint(fc, { kind: 'orthogonal', bound: null, mode: 'project' })).toBeInstanceOf(
      C.OrthogonalConstraint,
    );
  });
  test('none builds nothing; every other kind reads back as the setting it was built from', () => {
    expect(buildConstraint(fc, { kind: 'none', bound: null, mode: 'project' })).toBeNull();
    for (const kind of kindsFor(fc).filter((k) => k !== 'none')) {
      const s: LayerSetting = {
        kind,
        bound: kind === 'maxNorm' || kind === 'l2Ball' || kind === 'spectralNorm' ? 3 : null,
        mode: 'reparametrize',
      };
      expect(settingOf(buildConstraint(fc, s)!, s.mode)).toEqual(s);
    }
  });
  test('a setting the layer cannot take raises a LayerSettingError naming the layer', () => {
    expect(() => buildConstraint(conv1, { kind: 'orthogonal', bound: null, mode: 'project' })).toThrow(
      LayerSettingError,
    );
    expect(() => buildConstraint(fc, { kind: 'l2Ball', bound: 0, mode: 'project' })).toThrow(
      /^fc\.weight: the l2Ball bound/,
    );
  });
});

describe('registerLayerConstraints', () => {
  test("registers each layer's constraint on the CNN in its mode, and the weights are feasible at once", () => {
    manualSeed(0);
    const model = MODELS.cnn.create();
    const m = modelLayers(MODELS.cnn);
    const settings: Record<string, LayerSetting> = {
      'conv1.weight': { kind: 'maxNorm', bound: 0.2, mode: 'project' },
      'conv2.weight': { kind: 'none', bound: null, mode: 'project' },
      'fc.weight': { kind: 'l2Ball', bound: 0.5, mode: 'reparametrize' },
    };
    const regs = registerLayerConstraints(model, m.layers, settings);
    expect(regs.map((r) => `${r.target} ${r.mode}`)).toEqual(['conv1.weight project', 'fc.weight reparametrize']);
    expect(C.constraintsOf(model.getParameter('conv2.weight'))).toHaveLength(0);
    expect(C.constraintsOf(model.getParameter('fc.weight'))[0].mode).toBe('reparametrize');
    expect(Math.max(...unitNorms(model.getParameter('conv1.weight')))).toBeLessThanOrEqual(0.2 + 1e-6);
    expect(model.constraintReport().every((r) => r.ok)).toBe(true);
    model.dispose();
  });
  test("a setting core refuses raises a LayerSettingError that names the layer and keeps core's reason", () => {
    manualSeed(0);
    const model = MODELS.cnn.create();
    model.registerConstraint('fc.weight', C.nonNeg());
    const layers = [fc];
    const err = (() => {
      try {
        registerLayerConstraints(model, layers, {
          'fc.weight': { kind: 'orthogonal', bound: null, mode: 'reparametrize' },
        });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(LayerSettingError);
    expect((err as Error).message).toMatch(/^fc\.weight: .*already has constraints \(nonNeg/);
    model.dispose();
  });
});

describe("training with the page's settings", () => {
  /** 32 random digits with random labels: enough for a couple of steps of any model. */
  const noise = (): Digits => {
    const g = new Generator(1);
    const images = new Float32Array(32 * PIXELS).map(() => g.nextFloat());
    return { images, labels: Int32Array.from({ length: 32 }, (_, i) => i % 10), count: 32 };
  };

  test('the LSTM with orthogonal recurrent gates (reparametrized) keeps every gate block orthogonal over steps', () => {
    manualSeed(0);
    const spec = MODELS.lstm;
    const model = spec.create();
    const m = modelLayers(spec);
    registerLayerConstraints(model, m.layers, {
      ...m.defaults,
      'lstm.weight_hh_l0': { kind: 'orthogonal', bound: null, mode: 'reparametrize' },
    });
    const trainer = new Trainer(model, noise(), {
      batch: 16,
      lr: 3e-3,
      seed: 0,
      clipNorm: 1,
      inputShape: spec.inputShape,
    });
    trainer.step();
    trainer.step();
    const hh = model.getParameter('lstm.weight_hh_l0');
    for (let k = 0; k < 4; k++) {
      const block = hh.narrow(0, k * 128, 128);
      const gram = block.matmul(block.transpose(0, 1)).sub(eye(128)).abs().max().item();
      expect(gram).toBeLessThan(1e-3);
    }
    expect(model.constraintReport().every((r) => r.ok)).toBe(true);
    trainer.dispose();
  });

  test('the ViT with spectralNorm on its attention projections and nonNeg on its head trains with every constraint held', () => {
    manualSeed(0);
    const spec = MODELS.vit;
    const model = spec.create();
    const m = modelLayers(spec);
    const settings = { ...m.defaults };
    for (const l of m.layers.filter((x) => x.name.endsWith('in_proj_weight')))
      settings[l.name] = { kind: 'spectralNorm', bound: 2, mode: 'project' };
    settings['head.weight'] = { kind: 'nonNeg', bound: null, mode: 'project' };
    expect(registerLayerConstraints(model, m.layers, settings)).toHaveLength(7);
    const trainer = new Trainer(model, noise(), {
      batch: 16,
      lr: 2e-3,
      seed: 0,
      clipNorm: 1,
      inputShape: spec.inputShape,
    });
    trainer.step();
    trainer.step();
    expect(model.getParameter('head.weight').min().item()).toBeGreaterThanOrEqual(0);
    expect(model.constraintReport().every((r) => r.ok)).toBe(true);
    trainer.dispose();
  });
});
