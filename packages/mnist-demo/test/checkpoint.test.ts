// Checkpoints on real backends: a resumed run continues bit for bit, constraint specs and optimizer state
// come back with the model, and damaged files fail with errors that say what and where.
import { createJsBackend } from '@cp/backend-js';
import { createWasmBackend } from '@cp/backend-wasm';
import {
  type Backend,
  F,
  loadCheckpoint,
  manualSeed,
  nn,
  optim,
  randint,
  randn,
  SafetensorsError,
  saveCheckpoint,
  setBackend,
} from '@cp/core';
import { describe, expect, test } from 'vitest';
import { createModel, registerConstraints } from '../src/models/mlp.js';

function build(seed: number): { model: nn.Sequential; opt: optim.Adam } {
  manualSeed(seed);
  const model = createModel();
  registerConstraints(model, { maxNorm: 0.8, clipNorm: 1 });
  return { model, opt: new optim.Adam(model.parameters(), { lr: 1e-2 }) };
}

/** `k` steps on random batches drawn from the default generator (so its state matters too). */
function train(model: nn.Sequential, opt: optim.Adam, k: number): void {
  for (let i = 0; i < k; i++) {
    const x = randn([16, 784]);
    const y = randint(0, 10, [16]);
    const loss = F.crossEntropy(model.call(x), y);
    opt.zeroGrad();
    loss.backward();
    nn.utils.clipGradNorm(model.parameters(), 1);
    opt.step();
    x.dispose();
    y.dispose();
  }
}

const values = (model: nn.Module) => model.parameters().map((p) => Array.from(p.dataSync()));

const backends: [string, () => Promise<Backend>][] = [
  ['js', async () => createJsBackend()],
  ['wasm', () => createWasmBackend()],
];

describe.each(backends)('checkpoints on the %s backend', (_name, create) => {
  test('resuming from a checkpoint continues the run bit for bit', async () => {
    await setBackend(await create());
    const a = build(1);
    train(a.model, a.opt, 3);
    const bytes = saveCheckpoint({ model: a.model, optimizer: a.opt, metadata: { epoch: 0, step: 3, seed: 1 } });
    train(a.model, a.opt, 4);

    const b = build(2);
    randn([5]).dispose();
    const loaded = loadCheckpoint(bytes, { model: b.model, optimizer: b.opt });
    expect(loaded.metadata).toEqual({ epoch: 0, step: 3, seed: 1 });
    train(b.model, b.opt, 4);
    expect(values(b.model)).toEqual(values(a.model));
  });
});

describe('checkpoint contents', () => {
  test('constraint specs come back on a model that registered none', async () => {
    await setBackend(createJsBackend());
    const a = build(3);
    train(a.model, a.opt, 1);
    manualSeed(4);
    const bare = createModel();
    loadCheckpoint(saveCheckpoint({ model: a.model }), { model: bare });
    expect(bare.constraintReport().map((e) => [e.name, e.constraint, e.mode, e.ok])).toEqual([
      ['0.weight', 'maxNorm(max=0.8, dim=1)', 'project', true],
      ['2.weight', 'maxNorm(max=0.8, dim=1)', 'project', true],
      ['5.scale', 'positive(minValue=0.000001)', 'reparametrize', true],
    ]);
    expect(values(bare)).toEqual(values(a.model));
  });

  test('a truncated checkpoint names the tensor that is cut and the missing byte count', async () => {
    await setBackend(createJsBackend());
    const { model, opt } = build(5);
    const bytes = saveCheckpoint({ model, optimizer: opt });
    const cut = bytes.subarray(0, bytes.length - 10);
    expect(() => loadCheckpoint(cut, { model })).toThrow(SafetensorsError);
    expect(() => loadCheckpoint(cut, { model })).toThrow(
      /truncated data: tensor '[^']+' ends at file offset \d+, but the file is \d+ bytes \(the data section is 10 bytes short\)/,
    );
  });

  test('a checkpoint of another architecture fails before any parameter changes, naming the tensor', async () => {
    await setBackend(createJsBackend());
    const { model } = build(6);
    const other = new nn.Sequential(new nn.Linear(784, 32), new nn.ReLU(), new nn.Linear(32, 10));
    const before = values(other);
    expect(() => loadCheckpoint(saveCheckpoint({ model }), { model: other })).toThrow(
      /size mismatch for '0.weight'.*\[256, 784\].*\[32, 784\]/s,
    );
    expect(values(other)).toEqual(before);
  });
});
