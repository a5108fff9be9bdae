import { describe, expect, test } from 'vitest';
import { ArgumentError, ShapeError } from '../src/errors.js';
import {
  broadcastShapes,
  broadcastStrides,
  collapseLayout,
  contiguousStrides,
  normalizeDims,
  sizeOf,
} from '../src/tensor/shape.js';

describe('shape arithmetic', () => {
  test('sizeOf of a scalar shape is 1 and of a shape with a 0 is 0', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
  });

  test('contiguous strides are row-major', () => {
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
  });

  test('broadcasting follows PyTorch: align right, 1 stretches', () => {
    expect(broadcastShapes('add', [2, 1, 3], [4, 1])).toEqual([2, 4, 3]);
    expect(broadcastShapes('add', [], [5])).toEqual([5]);
    expect(broadcastShapes('add', [0], [1])).toEqual([0]);
  });

  test('incompatible shapes name the op, the shapes and the dim', () => {
    expect(() => broadcastShapes('mul', [2, 3], [4, 3])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4, 3])).toThrow(
      'mul: shapes [2, 3] and [4, 3] cannot be broadcast together (dim 0)',
    );
  });

  test('broadcast strides are 0 on stretched dims', () => {
    expect(broadcastStrides([3, 1], [2, 3, 4])).toEqual([0, 1, 0]);
  });

  test('dims normalize negatives, sort, and reject repeats and out-of-range values', () => {
    expect(normalizeDims('sum', [-1, 0], 3)).toEqual([0, 2]);
    expect(normalizeDims('sum', undefined, 2)).toEqual([0, 1]);
    expect(() => normalizeDims('sum', [0, -3], 3)).toThrow(/repeats/);
    expect(() => normalizeDims('sum', 3, 3)).toThrow(ArgumentError);
  });

  test('a dim that is not an integer (or a list of them) names the op and the value', () => {
    expect(() => normalizeDims('sum', '1' as unknown as number, 2)).toThrow(
      /sum: dim must be an integer or a list of integers, got "1"/,
    );
    expect(() => normalizeDims('sum', [0, null] as unknown as number[], 2)).toThrow(ArgumentError);
    expect(() => normalizeDims('sum', 0.5, 2)).toThrow(/sum: dim must be an integer, got 0.5/);
  });

  test('collapsing merges dims every operand walks contiguously', () => {
    const same = collapseLayout([2, 3, 4], [contiguousStrides([2, 3, 4]), contiguousStrides([2, 3, 4])]);
    expect(same).toEqual({ shape: [24], strides: [[1], [1]] });
    const bias = collapseLayout([2, 3, 4], [contiguousStrides([2, 3, 4]), broadcastStrides([4], [2, 3, 4])]);
    expect(bias).toEqual({
      shape: [6, 4],
      strides: [
        [4, 1],
        [0, 1],
      ],
    });
    const scalar = collapseLayout(
      [2, 3],
      [
        [3, 1],
        [0, 0],
      ],
    );
    expect(scalar).toEqual({ shape: [6], strides: [[1], [0]] });
    expect(collapseLayout([1, 1], [[1, 1]])).toEqual({ shape: [1], strides: [[1]] });
  });
});
