import { describe, expect, test } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import {
  backendNames,
  getBackend,
  registerBackend,
  removeBackend,
  setBackend,
  setBackendSync,
} from '../src/backend/registry.js';
import { BackendError } from '../src/errors.js';

const fake = (name: string) => ({ name }) as unknown as Backend;

describe('backend registry', () => {
  test('nothing is registered on import, and getBackend says how to pick one', () => {
    expect(backendNames()).toEqual([]);
    expect(() => getBackend()).toThrow(/setBackend\(createJsBackend\(\)\)/);
  });

  test('the highest-priority synchronous factory becomes the default', () => {
    registerBackend('low', () => fake('low'), 1);
    registerBackend('high', () => fake('high'), 5);
    expect(backendNames()).toEqual(['high', 'low']);
    expect(getBackend().name).toBe('high');
    removeBackend('high');
    removeBackend('low');
  });

  test('setBackend takes an instance or a registered name (async factories too)', async () => {
    registerBackend('async', async () => fake('async'));
    expect((await setBackend('async')).name).toBe('async');
    expect(getBackend().name).toBe('async');
    expect(() => setBackendSync('missing')).toThrow(BackendError);
    await expect(setBackend('missing')).rejects.toThrow(/no backend named 'missing' \(registered: async\)/);
    expect(setBackendSync(fake('direct')).name).toBe('direct');
    removeBackend('async');
  });

  test('registering a name twice is an error', () => {
    registerBackend('dup', () => fake('dup'));
    expect(() => registerBackend('dup', () => fake('dup'))).toThrow(/already registered/);
    removeBackend('dup');
  });

  test('an async factory cannot be made current synchronously', () => {
    registerBackend('slow', async () => fake('slow'));
    expect(() => setBackendSync('slow')).toThrow(/await setBackend\('slow'\)/);
    removeBackend('slow');
  });
});
