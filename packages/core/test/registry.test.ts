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

/** An object with every member of a Backend (none of them is called here). */
const fake = (name: string): Backend => {
  const no = () => {
    throw new Error('not called in these tests');
  };
  return {
    name,
    capabilities: { sync: true, inPlace: true },
    alloc: no,
    free: no,
    write: no,
    readSync: no,
    read: no,
    stats: no,
    kernels: {} as Backend['kernels'],
    fused: {},
    dispose: no,
  };
};

/** Leaves no backend current: removing the registered backend that is current clears it. */
const clearCurrent = () => {
  registerBackend('tmp', () => fake('tmp'));
  setBackendSync('tmp');
  removeBackend('tmp');
};

/** Resolves after `ms` milliseconds. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  test('concurrent setBackend(name) calls run an async factory once and all get the same instance', async () => {
    let calls = 0;
    registerBackend('shared', async () => {
      calls++;
      await sleep(5);
      return fake('shared');
    });
    const [a, b, c] = await Promise.all([setBackend('shared'), setBackend('shared'), setBackend('shared')]);
    expect(calls).toBe(1);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(getBackend()).toBe(a);
    expect(await setBackend('shared')).toBe(a);
    expect(calls).toBe(1);
    removeBackend('shared');
  });

  test('a failing async factory rejects every waiting caller once, and the next setBackend tries again', async () => {
    let calls = 0;
    registerBackend('flaky', async () => {
      calls++;
      await sleep(1);
      if (calls === 1) throw new Error('instantiation failed');
      return fake('flaky');
    });
    const both = await Promise.allSettled([setBackend('flaky'), setBackend('flaky')]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect((await setBackend('flaky')).name).toBe('flaky');
    expect(calls).toBe(2);
    removeBackend('flaky');
  });

  test('of two overlapping setBackend calls, the later call stays current', async () => {
    registerBackend('slowFirst', async () => {
      await sleep(10);
      return fake('slowFirst');
    });
    registerBackend('fastSecond', async () => fake('fastSecond'));
    const first = setBackend('slowFirst');
    await setBackend('fastSecond');
    expect((await first).name).toBe('slowFirst');
    expect(getBackend().name).toBe('fastSecond');
    removeBackend('slowFirst');
    removeBackend('fastSecond');
  });

  test('getBackend never calls an async factory and names it in the error', () => {
    clearCurrent();
    let calls = 0;
    registerBackend('asyncOnly', async () => {
      calls++;
      return fake('asyncOnly');
    });
    for (let i = 0; i < 3; i++) {
      expect(() => getBackend()).toThrow(BackendError);
      expect(() => getBackend()).toThrow(
        /'asyncOnly' are created asynchronously; call await setBackend\('asyncOnly'\)/,
      );
    }
    expect(calls).toBe(0);
    removeBackend('asyncOnly');
  });

  test('getBackend calls a promise-returning factory at most once and drops no rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    clearCurrent();
    let calls = 0;
    registerBackend('promising', () => {
      calls++;
      return Promise.reject(new Error('no wasm here'));
    });
    try {
      for (let i = 0; i < 3; i++) expect(() => getBackend()).toThrow(/'promising' are created asynchronously/);
      expect(calls).toBe(1);
      await sleep(10);
      expect(unhandled).toEqual([]);
      await expect(setBackend('promising')).rejects.toThrow(/no wasm here/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      removeBackend('promising');
    }
  });

  test('setBackend and setBackendSync reject a Promise and say to await it', async () => {
    const promise = Promise.resolve(fake('later'));
    await expect(setBackend(promise as unknown as Backend)).rejects.toThrow(BackendError);
    await expect(setBackend(promise as unknown as Backend)).rejects.toThrow(
      /got a Promise, not a Backend: write setBackend\(await createWasmBackend\(\)\)/,
    );
    expect(() => setBackendSync(promise as unknown as Backend)).toThrow(BackendError);
    expect(() => setBackendSync(promise as unknown as Backend)).toThrow(/setBackendSync: got a Promise/);
  });

  test('setBackend and setBackendSync reject values that are not backends, naming what is missing', async () => {
    const before = setBackendSync(fake('kept'));
    for (const bad of [{}, null, 42, { name: 'x', alloc: () => 0 }]) {
      expect(() => setBackendSync(bad as unknown as Backend)).toThrow(BackendError);
      await expect(setBackend(bad as unknown as Backend)).rejects.toThrow(/expected a Backend/);
    }
    expect(() => setBackendSync({ name: 'x' } as unknown as Backend)).toThrow(/without alloc, free/);
    expect(() => setBackendSync(fake as unknown as Backend)).toThrow(/a function \(fake\); call it/);
    expect(getBackend()).toBe(before);
  });

  test('a factory that returns something other than a Backend is a BackendError naming the backend', async () => {
    registerBackend('broken', () => ({}) as unknown as Backend);
    registerBackend('brokenAsync', async () => 7 as unknown as Backend);
    expect(() => setBackendSync('broken')).toThrow(/backend 'broken': its factory: expected a Backend/);
    await expect(setBackend('brokenAsync')).rejects.toThrow(/backend 'brokenAsync': its factory: expected a Backend/);
    removeBackend('broken');
    removeBackend('brokenAsync');
  });
});
