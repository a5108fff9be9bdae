import { describe, expect, test } from 'vitest';
import { withOp } from '../src/engine/dispatch.js';
import { profile, profiler } from '../src/engine/profiler.js';
import { ArgumentError } from '../src/errors.js';

describe('profiler state', () => {
  test('the profiler is off by default and while no profile() runs', () => {
    expect(profiler.on).toBe(false);
    withOp('add', () => 1);
    expect(profiler.rows.size).toBe(0);
  });

  test('profile() turns it on for fn only, also when fn throws', () => {
    let inside = false;
    profile(() => {
      inside = profiler.on;
    });
    expect(inside).toBe(true);
    expect(profiler.on).toBe(false);
    expect(() =>
      profile(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(profiler.on).toBe(false);
    expect(profiler.stack).toEqual([]);
  });

  test('an async profile stays on until the promise settles, rejected or not', async () => {
    let release!: () => void;
    const done = profile(() => new Promise<void>((r) => (release = r)));
    expect(profiler.on).toBe(true);
    release();
    await done;
    expect(profiler.on).toBe(false);
    await expect(profile(() => Promise.reject(new Error('late')))).rejects.toThrow('late');
    expect(profiler.on).toBe(false);
  });

  test('frames nest: self time excludes children, a same-name nested op is one call', () => {
    const p = profile(() =>
      withOp('outer', () => {
        withOp('inner', () => withOp('inner', () => 0));
        withOp('inner', () => 0);
      }),
    );
    const byOp = Object.fromEntries(p.rows.map((r) => [r.op, r]));
    expect(byOp.outer.calls).toBe(1);
    expect(byOp.inner.calls).toBe(2);
    expect(byOp.outer.selfMs).toBeCloseTo(byOp.outer.totalMs - byOp.inner.totalMs, 9);
    expect(p.rows.map((r) => r.op)).toEqual(['outer', 'inner']);
  });

  test('profile() calls do not nest, and fn must be a function', () => {
    expect(() => profile(() => profile(() => 0))).toThrow(ArgumentError);
    expect(profiler.on).toBe(false);
    expect(() => profile(1 as unknown as () => void)).toThrow(/profile: expected a function/);
  });
});
