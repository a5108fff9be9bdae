import { describe, expect, test } from 'vitest';
import { flattenNested, shapeOfNested, toNested } from '../src/tensor/nested.js';

describe('nested arrays', () => {
  test('shapes come from the first element at each depth', () => {
    expect(
      shapeOfNested([
        [1, 2, 3],
        [4, 5, 6],
      ]),
    ).toEqual([2, 3]);
    expect(shapeOfNested(7)).toEqual([]);
    expect(shapeOfNested([])).toEqual([0]);
  });

  test('ragged input and non-numbers are rejected with their position', () => {
    expect(() => shapeOfNested([[1], [2, 3]])).toThrow('ragged nested array at [1]: expected length 1, got 2');
    expect(() => shapeOfNested([[1], ['x' as unknown as number]])).toThrow(/at \[1\]\[0\]/);
  });

  test('flatten and rebuild round-trip, booleans included', () => {
    const data = [
      [1, 2],
      [3, 4],
    ];
    const flat = flattenNested('tensor', data, 4, 'float32');
    expect(Array.from(flat)).toEqual([1, 2, 3, 4]);
    expect(toNested(flat, [2, 2], 'float32')).toEqual(data);
    expect(toNested(new Uint8Array([1, 0]), [2], 'bool')).toEqual([true, false]);
    expect(toNested(new Float32Array(0), [2, 0], 'float32')).toEqual([[], []]);
  });

  test('flattening converts each element by the creation rules of its dtype', () => {
    expect(Array.from(flattenNested('tensor', [2, -0.5, 0, Number.NaN], 4, 'bool'))).toEqual([1, 1, 0, 1]);
    expect(Array.from(flattenNested('tensor', [1.9, -1.9, true], 3, 'int32'))).toEqual([1, -1, 1]);
    expect(() => flattenNested('tensor', [[0, 2 ** 31]], 2, 'int32')).toThrow(
      /tensor: value 2147483648 \(at flat position 1\) cannot be converted to int32 without overflow/,
    );
  });
});
