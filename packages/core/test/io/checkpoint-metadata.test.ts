// Checkpoint checks that run before any tensor is touched (so no backend is needed): the format marker,
// the RNG state, and optimizer state that is absent.
import { describe, expect, test } from 'vitest';
import { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint } from '../../src/io/checkpoint.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';

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
});
