// A run's legend label names its model, its per-layer constraints and its optimizer; an unconstrained run is
// drawn dashed; a chart gets a series per run with at least two points.
import { describe, expect, test } from 'vitest';
import type { Layer } from '../src/layers.js';
import { formatLr, newRun, runLabel, seriesOf } from '../src/runs.js';
import type { RunControls } from '../src/url-state.js';

const layers: Layer[] = [
  { name: 'conv1.weight', shape: [16, 1, 3, 3] },
  { name: 'conv2.weight', shape: [32, 16, 3, 3] },
  { name: 'fc.weight', shape: [10, 800] },
];
const cnn: RunControls = {
  backend: 'wasm',
  constraints: true,
  model: 'cnn',
  epochs: 1,
  optimizer: 'adam',
  lr: 1e-3,
  settings: {
    'conv1.weight': { kind: 'maxNorm', bound: 2, mode: 'project' },
    'conv2.weight': { kind: 'none', bound: null, mode: 'project' },
    'fc.weight': { kind: 'spectralNorm', bound: 1, mode: 'project' },
  },
  watch: 'conv1.weight',
};

describe('runLabel', () => {
  test('names the model, each constrained layer and the optimizer', () => {
    expect(runLabel(cnn, layers)).toBe('cnn, conv1 maxNorm 2 · fc spectralNorm 1, adam 1e-3');
  });
  test('says constraints off when the master switch is off', () => {
    expect(runLabel({ ...cnn, constraints: false, optimizer: 'sgd', lr: 0.05 }, layers)).toBe(
      'cnn, constraints off, sgd 5e-2',
    );
  });
  test('formatLr writes the rate in short exponent form without rounding it', () => {
    expect(formatLr(0.003)).toBe('3e-3');
    expect(formatLr(0.00025)).toBe('2.5e-4');
  });
});

test('newRun draws an unconstrained run dashed, and seriesOf skips runs with fewer than two points', () => {
  const on = newRun(cnn, layers, 0);
  const off = newRun({ ...cnn, constraints: false }, layers, 1);
  expect([on.dashed, off.dashed]).toEqual([false, true]);
  expect(on.color).not.toBe(off.color);
  on.loss.push([5, 2], [10, 1]);
  off.loss.push([5, 2]);
  expect(seriesOf([on, off], (r) => r.loss).map((s) => s.name)).toEqual([on.label]);
});
