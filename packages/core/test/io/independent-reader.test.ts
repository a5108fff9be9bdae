// A checkpoint cp writes, read by an independent reader: read_safetensors.py (Python + numpy, no cp code)
// checks the header, alignment, offsets and byte sizes, and reports every tensor's dtype, shape and exact
// values and the metadata. Node only (child_process); python3 with numpy must be installed: no skipping.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
// NOTE: a test-only import of the js backend's source (core cannot depend on a backend package).
import { createJsBackend } from '../../../backend-js/src/index.js';
import * as cp from '../../src/index.js';

interface Read {
  tensors: Record<string, { dtype: string; shape: number[]; values: number[] }>;
  metadata: Record<string, unknown>;
}

/** Loads nothing from cp: runs the Python reader on the bytes. */
function readWithPython(bytes: Uint8Array): Read {
  const dir = mkdtempSync(join(tmpdir(), 'cp-safetensors-'));
  try {
    const file = join(dir, 'checkpoint.safetensors');
    writeFileSync(file, bytes);
    const script = fileURLToPath(new URL('read_safetensors.py', import.meta.url));
    return JSON.parse(execFileSync('python3', [script, file], { encoding: 'utf8' })) as Read;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tensor's values as the reader reports them (float32 as bit patterns). */
function expected(t: cp.Tensor): number[] {
  const data = t.dataSync();
  if (data instanceof Float32Array) return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
  return Array.from(data, Number);
}

class Counters extends cp.nn.Module {
  constructor() {
    super();
    this.registerBuffer('count', cp.tensor([[-7, 2 ** 31 - 1]], { dtype: 'int32' }));
    this.registerBuffer('mask', cp.tensor([true, false, true], { dtype: 'bool' }));
  }

  override forward(x: cp.Tensor): cp.Tensor {
    return x;
  }
}

describe('checkpoints read by an independent Python + numpy reader', () => {
  test('the header, dtypes, shapes, values and metadata are what cp saved', () => {
    cp.setBackendSync(createJsBackend());
    cp.manualSeed(3);
    const model = new cp.nn.Sequential(
      new cp.nn.Linear(3, 2, { weightConstraint: cp.constraints.maxNorm(Number.POSITIVE_INFINITY) }),
      new Counters(),
    );
    model.parameters()[1].registerConstraint(cp.constraints.positive());
    const opt = new cp.optim.Adam(model.parameters(), { lr: 0.1 });
    cp.tidy(() => {
      model
        .call(cp.randn([4, 3]))
        .square()
        .sum()
        .backward();
      opt.step();
    });
    const bytes = cp.saveCheckpoint({ model, optimizer: opt, metadata: { epoch: 2 } });
    const read = readWithPython(bytes);

    const sd = model.stateDict();
    const names = [...Object.keys(sd).map((k) => `model.${k}`), 'raw.0.bias'];
    for (const i of [0, 1]) names.push(`optimizer.state.${i}.expAvg`, `optimizer.state.${i}.expAvgSq`);
    expect(Object.keys(read.tensors).sort()).toEqual(names.sort());
    for (const [k, t] of Object.entries(sd)) {
      const got = read.tensors[`model.${k}`];
      expect(got.dtype, k).toBe({ float32: 'F32', int32: 'I32', bool: 'BOOL' }[t.dtype]);
      expect(got.shape, k).toEqual(t.shape);
      expect(got.values, k).toEqual(expected(t));
    }
    expect(read.tensors['model.1.count'].values).toEqual([-7, 2 ** 31 - 1]);
    expect(read.tensors['model.1.mask'].values).toEqual([1, 0, 1]);
    const s = opt.state.get(model.parameters()[0])!;
    expect(read.tensors['optimizer.state.0.expAvg'].values).toEqual(expected(s.expAvg as cp.Tensor));
    expect(read.tensors['optimizer.state.0.expAvg'].shape).toEqual([2, 3]);

    expect(read.metadata['cp.format']).toBe(cp.CHECKPOINT_FORMAT);
    expect(read.metadata['cp.constraints']).toEqual({
      '0.weight': [{ name: 'maxNorm', options: { max: 'inf', dim: null }, mode: 'project' }],
      '0.bias': [{ name: 'positive', options: { minValue: 1e-6 }, mode: 'reparametrize' }],
    });
    expect(read.metadata['cp.rng']).toEqual(cp.defaultGenerator.getState());
    expect(read.metadata['cp.optimizer']).toMatchObject({
      paramGroups: [{ params: [0, 1], lr: 0.1, betas: [0.9, 0.999] }],
      state: { '0': { numbers: { step: 1 }, tensors: ['expAvg', 'expAvgSq'] } },
    });
    expect(read.metadata.epoch).toBe('2');
    model.dispose();
  });
});
