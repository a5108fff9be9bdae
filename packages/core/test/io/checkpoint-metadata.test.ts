// Checkpoint checks that run before any tensor is touched (so no backend is needed): the format marker,
// the RNG state, the structure of the optimizer metadata, tensor names, and optimizer state that is absent.
import { describe, expect, test } from 'vitest';
import { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint } from '../../src/io/checkpoint.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { Generator } from '../../src/tensor/random.js';

const model = {} as never;

describe('loadCheckpoint metadata', () => {
  test('a plain safetensors file is refused as not a cp checkpoint', () => {
    expect(() => loadCheckpoint(encodeSafetensors([]), { model })).toThrow(
      /not a cp checkpoint: __metadata__ has no cp.format entry/,
    );
    expect(() => loadCheckpoint(encodeSafetensors([], { 'cp.format': 'x' }), { model })).toThrow(CheckpointError);
  });

  test('a malformed cp.rng entry names the key', () => {
    const bytes = encodeSafetensors([], { 'cp.format': CHECKPOINT_FORMAT, 'cp.rng': '[1, 2' });
    expect(() => loadCheckpoint(bytes, { model })).toThrow(/__metadata__ 'cp.rng' is not valid JSON/);
    const short = encodeSafetensors([], { 'cp.format': CHECKPOINT_FORMAT, 'cp.rng': '[1, 2]' });
    expect(() => loadCheckpoint(short, { model })).toThrow(/'cp.rng' must be 4 numbers, got \[1, 2\]/);
  });

  test('asking for optimizer state that the file lacks is an error', () => {
    const bytes = encodeSafetensors([], {
      'cp.format': CHECKPOINT_FORMAT,
      'cp.rng': '[1,2,3,4]',
      'cp.constraints': '{}',
    });
    expect(() => loadCheckpoint(bytes, { model, optimizer: {} as never })).toThrow(
      /the checkpoint has no optimizer state/,
    );
  });

  const base = { 'cp.format': CHECKPOINT_FORMAT, 'cp.rng': '[1,2,3,4]', 'cp.constraints': '{}' };

  test('an all-zero generator state is refused (xoshiro128** would return 0 forever)', () => {
    const bytes = encodeSafetensors([], { ...base, 'cp.rng': '[0,0,0,0]' });
    expect(() => loadCheckpoint(bytes, { model })).toThrow(
      /'cp.rng': Generator.setState: the all-zero state is invalid/,
    );
    for (const bad of ['[1,2,3,-1]', '[1,2,3,4294967296]', '[1,2,3,0.5]', '[1,2,3,{"$cp.number":"NaN"}]']) {
      expect(() => loadCheckpoint(encodeSafetensors([], { ...base, 'cp.rng': bad }), { model })).toThrow(
        CheckpointError,
      );
    }
  });

  test('Generator.setState refuses bad states and keeps its own', () => {
    const g = new Generator(7);
    const before = g.getState();
    expect(() => g.setState([0, 0, 0, 0])).toThrow(/all-zero state is invalid/);
    expect(() => g.setState([1, 2, 3])).toThrow(/expected 4 unsigned 32-bit integers .*got \[1, 2, 3\]/);
    expect(() => g.setState([1, 2, 3, 2 ** 32])).toThrow(/4 unsigned 32-bit integers/);
    expect(() => g.setState(null as never)).toThrow(/got object/);
    expect(g.getState()).toEqual(before);
    g.setState([0, 0, 0, 1]);
    expect([1, 2, 3, 4].map(() => g.nextUint32()).some((x) => x !== 0)).toBe(true);
  });

  test('malformed optimizer metadata is a CheckpointError naming cp.optimizer, never a TypeError', () => {
    for (const text of [
      'null',
      '[]',
      '{"paramGroups": {}, "state": {}}',
      '{"paramGroups": [{"params": [0, 0]}], "state": {}}',
      '{"paramGroups": [{"params": [1]}], "state": {}}',
      '{"paramGroups": [{"params": [0], "__proto__": {"lr": 1}}], "state": {}}',
      '{"paramGroups": [{"params": [0]}], "state": {"00": {"numbers": {}, "tensors": []}}}',
      '{"paramGroups": [{"params": [0]}], "state": {"0": {"numbers": [], "tensors": []}}}',
      '{"paramGroups": [{"params": [0]}], "state": {"0": {"numbers": {"step": null}, "tensors": []}}}',
      '{"paramGroups": [{"params": [0]}], "state": {"0": {"numbers": {}, "tensors": ["m", "m"]}}}',
      '{"paramGroups": [{"params": [0]}], "state": {"0": {"numbers": {"m": 1}, "tensors": ["m"]}}}',
      '{"paramGroups": [{"params": [0]}], "state": {}, "x": {"$cp.number": "Inf"}}',
    ]) {
      const bytes = encodeSafetensors([], { ...base, 'cp.optimizer': text });
      expect(() => loadCheckpoint(bytes, { model }), text).toThrow(/loadCheckpoint: __metadata__ 'cp.optimizer'/);
    }
  });

  test('tensors that are not model, raw or listed optimizer state are named', () => {
    const t = { dtype: 'float32' as const, shape: [1], data: Float32Array.from([1]) };
    const optimizer = '{"paramGroups": [{"params": [0]}], "state": {"0": {"numbers": {}, "tensors": ["m"]}}}';
    expect(() => loadCheckpoint(encodeSafetensors([['junk', t]], base), { model })).toThrow(
      /tensor 'junk' is not part of a cp checkpoint/,
    );
    expect(() =>
      loadCheckpoint(encodeSafetensors([['optimizer.state.0.v', t]], { ...base, 'cp.optimizer': optimizer }), {
        model,
      }),
    ).toThrow(/tensor 'optimizer.state.0.v' is optimizer state that __metadata__ 'cp.optimizer' does not list/);
    expect(() => loadCheckpoint(encodeSafetensors([], { ...base, 'cp.optimizer': optimizer }), { model })).toThrow(
      /tensor 'optimizer.state.0.m' \(listed in __metadata__ 'cp.optimizer'\) is missing/,
    );
  });
});
