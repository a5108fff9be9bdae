// The browser page's stand-in for vitest (test/browser/vitest-shim.ts) must report what vitest would: a
// failing expect as a failure with its message, hooks around the selected tests only, test.each titles.
import { expect as vitestExpect, test as vitestTest } from 'vitest';
import * as shim from './browser/vitest-shim.js';

vitestTest(
  'the vitest shim runs the selected tests with their hooks and reports failures with their messages',
  async () => {
    const log: string[] = [];
    shim.describe('outer', () => {
      shim.beforeAll(() => void log.push('beforeAll'));
      shim.beforeEach(() => void log.push('beforeEach'));
      shim.afterAll(() => void log.push('afterAll'));
      shim.test('passes', () => shim.expect([1, 2]).toEqual([1, 2]));
      shim.test('fails', () => shim.expect(1).toBeCloseTo(1.1, 3));
      shim.test.each([['a', 1]] as const)('row %s is %d', (_name, n) => shim.expect(n).toBe(1));
      shim.test('throws', () => shim.expect(() => JSON.parse('{')).toThrow(/JSON/));
      shim.test('rejects', () => shim.expect(Promise.reject(new Error('no'))).rejects.toThrow('no'));
      shim.test('rejects by class', () => shim.expect(Promise.reject(new RangeError('x'))).rejects.toThrow(RangeError));
    });
    shim.describe('other', () => {
      shim.beforeAll(() => void log.push('other beforeAll'));
      shim.test('not selected', () => {});
    });
    const result = await shim.runCollected((name) => name.startsWith('outer > '));
    vitestExpect(result.passed).toBe(5);
    vitestExpect(result.failed.map((f) => f.name)).toEqual(['outer > fails']);
    vitestExpect(result.failed[0].error).toMatch(/1\.1/);
    vitestExpect(log).toEqual([
      'beforeAll',
      'beforeEach',
      'beforeEach',
      'beforeEach',
      'beforeEach',
      'beforeEach',
      'beforeEach',
      'afterAll',
    ]);
  },
);
