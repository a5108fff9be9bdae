// The js backend's allocation limit: live bytes stay under `maxBytes` (default min(4 GiB, half the host's
// memory)), and an allocation beyond it, or one the engine refuses, is an OutOfMemoryError with the figures.
import { totalmem } from 'node:os';
import { CpError, keep, nn, OutOfMemoryError, randn, setBackendSync, zeros } from '@cp/core';
import { describe, expect, it } from 'vitest';
import { createJsBackend, DEFAULT_MAX_BYTES, defaultMaxBytes } from '../src/index.js';
import { hostMemoryBytes } from '../src/memory-limit.js';

const thrown = (fn: () => unknown): Error => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

describe('allocation limit', () => {
  it('an allocation that would pass maxBytes throws OutOfMemoryError with the request, live bytes and limit', () => {
    const be = createJsBackend({ maxBytes: 1000 });
    const a = be.alloc('float32', 200);
    const err = thrown(() => be.alloc('int32', 51));
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err).toBeInstanceOf(CpError);
    expect(err.message).toContain(
      'js backend: out of memory allocating 204 bytes (live 800 bytes, limit 1000) for 51 int32: ' +
        'the largest free block is 200 bytes',
    );
    expect(err.message).toMatch(/dispose\(\).*tidy\(\).*noGrad\(\).*createJsBackend\(\{ maxBytes \}\)/);
    expect(be.stats()).toEqual({ handles: 1, bytes: 800, reservedBytes: 800 });
    be.alloc('bool', 200);
    be.free(a);
    expect(be.alloc('float32', 200)).toBeGreaterThan(a);
  });

  it('the default limit is the smaller of 4 GiB and half the host memory', () => {
    const host = hostMemoryBytes();
    // NOTE: process.getBuiltinModule arrived in Node 20.16; older Node reports no host memory (4 GiB default).
    const readable = typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule === 'function';
    expect(host).toBe(readable ? totalmem() : undefined);
    expect(defaultMaxBytes()).toBe(
      host === undefined ? DEFAULT_MAX_BYTES : Math.min(DEFAULT_MAX_BYTES, Math.floor(host / 2)),
    );
  });

  it('zeros([2 ** 31]) throws OutOfMemoryError under the default limit instead of reserving 8 GiB', () => {
    setBackendSync(createJsBackend());
    const err = thrown(() => zeros([2 ** 31]));
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.message).toContain(
      `out of memory allocating ${2 ** 33} bytes (live 0 bytes, limit ${defaultMaxBytes()})`,
    );
  });

  it('a typed array the engine refuses below the limit is an OutOfMemoryError, not a RangeError', () => {
    const be = createJsBackend({ maxBytes: Number.POSITIVE_INFINITY });
    const err = thrown(() => be.alloc('bool', 2 ** 40));
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.message).toMatch(/out of memory allocating 1099511627776 bytes .*The engine refused the typed array/);
    expect(be.stats().handles).toBe(0);
  });

  it('rejects a maxBytes that is not a positive number', () => {
    for (const bad of [0, -1, Number.NaN, '1e9']) {
      expect(() => createJsBackend({ maxBytes: bad as number })).toThrow(/maxBytes must be a positive number/);
    }
  });
});

describe('out of memory through the engine', () => {
  it('says how many tensors are live, of which kinds, and what to do', () => {
    setBackendSync(createJsBackend({ maxBytes: 1 << 20 }));
    const model = new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 64));
    const x = randn([512, 64]);
    model.call(x);
    const err = thrown(() => {
      // A user's leak: every output kept, so the model's iterations can free nothing.
      for (let i = 0; i < 100; i++) keep(model.call(x));
    });
    expect(err).toBeInstanceOf(OutOfMemoryError);
    expect(err.message).toMatch(/js backend: out of memory/);
    expect(err.message).toMatch(
      /cp has \d+ live storages \([\d.]+ MiB\) and \d+ tensors held: \d+ held by Sequential's last two iterations, \d+ in open tidy\(\) scopes and ops in progress/,
    );
    expect(err.message).toMatch(
      /keep\(\)-ed tensors.*read or backpropagate each iteration's result.*keep\(\) only what you need/,
    );
  });
});
