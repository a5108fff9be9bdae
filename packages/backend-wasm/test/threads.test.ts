// The threaded wasm backend: how the thread count is chosen and reported, lazy workers, the same bits at
// every thread count (each split kernel, a seeded MLP, CNN and LSTM trained with Adam), and the pool's failure modes
// (a trapping task, a dead worker) ending in a BackendError instead of a hang.
import { spawnSync } from 'node:child_process';
import { ArgumentError, BackendError, manualSeed, nn, optim, randint, randn, setBackendSync } from '@cp/core';
import type { Backend, Handle, TypedArray } from '@cp/core/backend';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../src/allocator.js';
import { createWasmBackend, type WasmBackend } from '../src/index.js';
import { loadKernels } from '../src/load.js';
import { type SpawnWorker, WorkerPool } from '../src/pool.js';
import { AUTO_THREAD_CAP, chooseThreads, detectHost, type HostThreads } from '../src/threading.js';
import { data } from './helpers.js';

const host = (over: Partial<HostThreads>): HostThreads => ({
  unavailable: null,
  cores: 2,
  spawn: () => ({ terminate() {} }),
  ...over,
});

describe('choosing the thread count', () => {
  it('auto takes the cores where shared memory exists, capped at 8', () => {
    expect(chooseThreads('auto', host({ cores: 2 }))).toEqual([2, '2: auto, 2 cores']);
    expect(chooseThreads(undefined, host({ cores: 64 }))).toEqual([AUTO_THREAD_CAP, '8: auto, 64 cores (capped at 8)']);
    expect(chooseThreads('auto', host({ cores: 1 }))[0]).toBe(1);
  });

  it('falls back to 1 and says why when there is no shared memory, also for an explicit count', () => {
    const why = 'not cross-origin isolated (no SharedArrayBuffer)';
    expect(chooseThreads('auto', host({ unavailable: why }))).toEqual([1, `1: ${why}`]);
    expect(chooseThreads(4, host({ unavailable: why }))).toEqual([1, `1 (requested 4): ${why}`]);
    expect(chooseThreads(4, host({ spawn: null }))[1]).toMatch(/no workers/);
  });

  it('honours an explicit count, and auto with a custom module means 1', () => {
    expect(chooseThreads(3, host({}))).toEqual([3, '3: requested']);
    expect(chooseThreads(1, host({}))).toEqual([1, '1: requested']);
    expect(chooseThreads('auto', host({}), true)[0]).toBe(1);
  });

  it('rejects a thread count that is not a positive integer', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => chooseThreads(bad, host({}))).toThrow(ArgumentError);
    await expect(createWasmBackend({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('in Node the default is threaded, and reports the choice', async () => {
    const h = await detectHost();
    const be = await createWasmBackend();
    const want = Math.min(h.cores, AUTO_THREAD_CAP);
    expect(be.threading).toMatchObject({ threads: want, requested: 'auto', ready: want - 1 });
    expect(be.threading.reason).toMatch(/auto/);
    expect(be.capabilities.threads).toEqual({ count: want, reason: be.threading.reason });
    be.dispose();
  });
});

/** `fn` run on a fresh backend with `threads`, returning the outputs it reads back. */
async function on(threads: number, fn: (be: WasmBackend) => TypedArray[]): Promise<TypedArray[]> {
  const be = await createWasmBackend({ threads });
  try {
    const out = fn(be);
    if (threads > 1) expect(be.threading.workerTasks).toBeGreaterThan(0);
    return out;
  } finally {
    be.dispose();
  }
}

const put = (be: Backend, values: TypedArray): Handle => {
  const h = be.alloc(values instanceof Float32Array ? 'float32' : 'int32', values.length);
  be.write(h, values);
  return h;
};
const f32 = (n: number, seed: number) => data('float32', n, seed) as Float32Array;
/** How many elements of `a` and `b` differ in their bits (or the length difference). */
function differing(a: TypedArray, b: TypedArray): number {
  if (a.length !== b.length) return Math.abs(a.length - b.length);
  const [x, y] = [a, b].map((t) => new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  const width = a.BYTES_PER_ELEMENT;
  let count = 0;
  for (let i = 0; i < x.length; i += width) {
    for (let j = 0; j < width; j++) {
      if (x[i + j] !== y[i + j]) {
        count++;
        break;
      }
    }
  }
  return count;
}

/** Asserts that every output has the same bits at 1, 2 and 4 threads. */
async function sameBitsAtEveryCount(fn: (be: WasmBackend) => TypedArray[]): Promise<void> {
  const [one, two, four] = [await on(1, fn), await on(2, fn), await on(4, fn)];
  for (const [i, want] of one.entries()) {
    expect(differing(two[i], want), `output ${i}, 2 threads`).toBe(0);
    expect(differing(four[i], want), `output ${i}, 4 threads`).toBe(0);
  }
}

describe('the same bits at 1, 2 and 4 threads', () => {
  it('matmul in all four transposed forms, split by rows or by columns, batched', async () => {
    await sameBitsAtEveryCount((be) => {
      const outs: TypedArray[] = [];
      for (const [batch, m, k, n] of [
        [1, 301, 203, 257],
        [1, 70, 190, 610],
        [3, 150, 97, 130],
      ]) {
        for (const [transA, transB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ]) {
          const a = put(be, f32(batch * m * k, m + k));
          const b = put(be, f32(batch * k * n, k + n));
          const out = be.alloc('float32', batch * m * n);
          const args = { a, b, out, batch, m, k, n, transA, transB, aBatchStride: m * k, bBatchStride: k * n };
          be.kernels.matmul(args);
          outs.push(be.readSync(out));
        }
      }
      return outs;
    });
  });

  it('syrk in both forms, split into bands of rows, batched (the orthogonal Gram matrix 256x784 too)', async () => {
    await sameBitsAtEveryCount((be) => {
      const syrk = be.fused.syrk;
      if (!syrk) throw new Error('the wasm backend has no fused syrk');
      const outs: TypedArray[] = [];
      for (const [batch, n, k] of [
        [1, 256, 784],
        [1, 301, 203],
        [3, 70, 190],
      ]) {
        for (const transA of [false, true]) {
          const a = put(be, f32(batch * n * k, n + k));
          const out = be.alloc('float32', batch * n * n);
          syrk({ a, out, batch, n, k, transA });
          outs.push(be.readSync(out));
        }
      }
      return outs;
    });
  });

  it('elementwise, broadcast, scalar and reduce kernels', async () => {
    await sameBitsAtEveryCount((be) => {
      const n = 100_003;
      const x = put(be, f32(n, 1));
      const y = put(be, f32(n, 2));
      const out = be.alloc('float32', n);
      const read = () => be.readSync(out);
      be.kernels.unary({ op: 'exp', dtype: 'float32', x, out, n });
      const e = read();
      be.kernels.binaryScalar({ op: 'pow', dtype: 'float32', x, scalar: 1.7, reverse: false, out, n });
      const p = read();
      const rows = 1000;
      const cols = 100;
      const bias = put(be, f32(cols, 3));
      const shape = [rows, cols];
      be.kernels.binary({
        op: 'atan2',
        dtype: 'float32',
        a: y,
        b: bias,
        out,
        shape,
        aStrides: [cols, 1],
        bStrides: [0, 1],
      });
      const bc = read().slice(0, rows * cols);
      const r = be.alloc('float32', 10 * rows);
      be.kernels.reduce({ op: 'sum', dtype: 'float32', x, out: r, outer: rows, size: cols, inner: 1 });
      const sum = be.readSync(r);
      be.kernels.reduce({ op: 'max', dtype: 'float32', x, out: r, outer: 1000, size: 10, inner: 10 });
      return [e, p, bc, sum, be.readSync(r)];
    });
  });

  it('softmax, cross-entropy and its gradient, relu gradient, SGD and Adam', async () => {
    await sameBitsAtEveryCount((be) => {
      const [rows, cols] = [3000, 37];
      const n = rows * cols;
      const x = put(be, f32(n, 4));
      const out = be.alloc('float32', n);
      const fused = be.fused!;
      fused.softmax!({ x, out, rows, cols });
      const sm = be.readSync(out);
      fused.logSoftmax!({ x, out, rows, cols });
      const lsm = be.readSync(out);
      const labels = put(
        be,
        Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols),
      );
      const loss = be.alloc('float32', rows);
      fused.softmaxCrossEntropy!({ logits: x, labels, out: loss, rows, cols });
      const ce = be.readSync(loss);
      const dlogits = be.alloc('float32', n);
      fused.softmaxCrossEntropyBackward!({ logits: x, labels, grad: loss, gradStride: 1, out: dlogits, rows, cols });
      const ceGrad = be.readSync(dlogits);
      fused.reluBackward!({ x: dlogits, grad: x, out, n });
      const reluGrad = be.readSync(out);
      const [param, grad, m, v, buf] = [1, 2, 3, 4, 5].map((s) => put(be, f32(n, 10 + s)));
      const adam = { param, grad, expAvg: m, expAvgSq: v, maxExpAvgSq: null, n, lr: 1e-3, beta1: 0.9 };
      fused.adamUpdate!({
        ...adam,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        step: 3,
        decoupled: true,
        maximize: false,
      });
      const after = [param, m, v].map((h) => be.readSync(h));
      fused.sgdUpdate!({
        param,
        grad,
        momentumBuf: buf,
        n,
        lr: 0.1,
        momentum: 0.9,
        dampening: 0.1,
        nesterov: true,
        weightDecay: 1e-4,
        firstStep: false,
        maximize: false,
      });
      return [sm, lsm, ce, ceGrad, reluGrad, ...after, be.readSync(param), be.readSync(buf)];
    });
  });

  it('compare, where (broadcast, float32 and bool) and argmax/argmin', async () => {
    await sameBitsAtEveryCount((be) => {
      const [rows, cols] = [2000, 301];
      const n = rows * cols;
      const x = put(be, f32(n, 31));
      const row = put(be, f32(cols, 32));
      const shape = [rows, cols];
      const mask = be.alloc('bool', n);
      be.kernels.compare({
        op: 'gt',
        dtype: 'float32',
        a: x,
        b: row,
        out: mask,
        shape,
        aStrides: [cols, 1],
        bStrides: [0, 1],
      });
      const out = be.alloc('float32', n);
      const args = { dtype: 'float32' as const, cond: mask, a: x, b: row, out, shape, condStrides: [cols, 1] };
      be.kernels.where({ ...args, aStrides: [cols, 1], bStrides: [0, 1] });
      const picked = be.readSync(out);
      const both = be.alloc('bool', n);
      be.kernels.where({
        ...args,
        dtype: 'bool',
        a: mask,
        b: mask,
        out: both,
        aStrides: [1, rows],
        bStrides: [cols, 1],
      });
      const idx = be.alloc('int32', rows * cols);
      be.kernels.argReduce({ op: 'argmax', dtype: 'float32', x, out: idx, outer: rows, size: cols, inner: 1 });
      const am = be.readSync(idx).slice(0, rows);
      be.kernels.argReduce({ op: 'argmin', dtype: 'float32', x, out: idx, outer: 20, size: 100, inner: cols });
      return [be.readSync(mask), picked, be.readSync(both), am, be.readSync(idx).slice(0, 20 * cols)];
    });
  });

  it('full reductions by parts (float32 and int32 sum, max, min over long rows)', async () => {
    await sameBitsAtEveryCount((be) => {
      const outs: TypedArray[] = [];
      const n = 1_000_003;
      const xf = put(be, f32(n, 21));
      const xi = put(
        be,
        Int32Array.from({ length: n }, (_, i) => ((i * 2654435761) % 2001) - 1000),
      );
      const out = be.alloc('float32', 4);
      const outI = be.alloc('int32', 4);
      // Within the kernel's documented summation bound (float32 lanes over blocks of 1024: 64 terms per
      // lane) of the float64 sum: a part dropped or counted twice would be off by far more.
      const host = be.readSync(xf) as Float32Array;
      be.kernels.reduce({ op: 'sum', dtype: 'float32', x: xf, out, outer: 1, size: n, inner: 1 });
      const exact = host.reduce((a, v) => a + v, 0);
      const magnitude = host.reduce((a, v) => a + Math.abs(v), 0);
      const tolerance = Math.abs(exact) * 2 ** -23 + magnitude * 64 * 2 ** -24;
      expect(Math.abs(be.readSync(out)[0] - exact)).toBeLessThanOrEqual(tolerance);
      be.kernels.reduce({ op: 'max', dtype: 'float32', x: xf, out, outer: 1, size: n, inner: 1 });
      expect(be.readSync(out)[0]).toBe(host.reduce((a, v) => Math.max(a, v), -Infinity));
      for (const [outer, size] of [
        [1, n],
        [3, 333_334],
        [1, 98_305],
      ]) {
        for (const op of ['sum', 'max', 'min'] as const) {
          be.kernels.reduce({ op, dtype: 'float32', x: xf, out, outer, size, inner: 1 });
          outs.push(be.readSync(out).slice(0, outer));
          be.kernels.reduce({ op, dtype: 'int32', x: xi, out: outI, outer, size, inner: 1 });
          outs.push(be.readSync(outI).slice(0, outer));
        }
      }
      return outs;
    });
  });

  it('gather and scatterAdd over conv-like index tables (repeated targets), split by rows and by columns', async () => {
    await sameBitsAtEveryCount((be) => {
      const outs: TypedArray[] = [];
      // [outer, size, inner] with an index that sends many c to one target: the order of the adds matters.
      for (const [outer, size, inner, count, strides] of [
        [64, 785, 1, 9 * 784, [0, 1, 0]],
        [1, 50, 300, 700, [0, 300, 1]],
        [5, 40, 7, 3000, [3000 * 7, 7, 1]],
      ] as [number, number, number, number, [number, number, number]][]) {
        const indexLength = strides[0] === 0 ? (strides[2] === 0 ? count : count * inner) : outer * count * inner;
        const index = put(
          be,
          Int32Array.from({ length: indexLength }, (_, i) => (i * 7919 + (i >> 3)) % size),
        );
        const x = put(be, f32(outer * size * inner, size + count));
        const g = be.alloc('float32', outer * count * inner);
        be.kernels.gather({ dtype: 'float32', x, index, out: g, outer, size, inner, count, indexStrides: strides });
        outs.push(be.readSync(g));
        const acc = put(be, f32(outer * size * inner, 3));
        be.kernels.scatterAdd({
          dtype: 'float32',
          src: g,
          index,
          out: acc,
          outer,
          size,
          inner,
          count,
          indexStrides: strides,
        });
        outs.push(be.readSync(acc));
      }
      return outs;
    });
  });

  it('a seeded CNN (Conv2d, MaxPool2d, Linear) trained with Adam ends with bit-identical parameters', async () => {
    const train = (be: WasmBackend): TypedArray[] => {
      setBackendSync(be);
      manualSeed(77);
      const model = new nn.Sequential(
        new nn.Conv2d(3, 16, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Conv2d(16, 32, 3, { padding: 1 }),
        new nn.ReLU(),
        new nn.MaxPool2d(2),
        new nn.Flatten(),
        new nn.Linear(32 * 8 * 8, 10),
      );
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const x = randn([32, 3, 32, 32]);
      const y = randint(0, 10, [32]);
      for (let step = 0; step < 3; step++) {
        const loss = nn.functional.crossEntropy(model.call(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        loss.dispose();
      }
      return model.parameters().map((p) => p.dataSync() as TypedArray);
    };
    await sameBitsAtEveryCount(train);
  });

  it('copyStrided (a permute that moves 16 channels first) and fill, split by rows and elements', async () => {
    await sameBitsAtEveryCount((be) => {
      const [n, l, ch] = [64, 676, 16];
      const x = put(be, f32(n * l * ch, 41));
      const out = be.alloc('float32', n * l * ch);
      const shape = [n, l, ch];
      be.kernels.copyStrided({
        dtype: 'float32',
        x,
        xOffset: 0,
        xStrides: [l * ch, ch, 1],
        out,
        outOffset: 0,
        outStrides: [l * ch, 1, l],
        shape,
      });
      const permuted = be.readSync(out);
      be.kernels.fill({ dtype: 'float32', out, offset: 3, n: n * l * ch - 5, value: -2.5 });
      return [permuted, be.readSync(out)];
    });
  });

  it('the fused LSTM cell and its gradient, split by rows', async () => {
    await sameBitsAtEveryCount((be) => {
      const [rows, hidden] = [2000, 64];
      const [n, g] = [rows * hidden, 4 * rows * hidden];
      const [pre, c, dh, dc] = [f32(g, 31), f32(n, 32), f32(n, 33), f32(n, 34)].map((v) => put(be, v));
      const [gates, cOut, h, dpre, dcPrev] = [g, n, n, g, n].map((size) => be.alloc('float32', size));
      be.fused!.lstmCell!({ pre, c, gates, cOut, h, rows, hidden });
      be.fused!.lstmCellBackward!({ gates, c, cOut, dh, dc, dpre, dcPrev, rows, hidden });
      return [gates, cOut, h, dpre, dcPrev].map((x) => be.readSync(x));
    });
  });

  it('a seeded two-layer bidirectional LSTM trained with Adam ends with bit-identical parameters', async () => {
    const train = (be: WasmBackend): TypedArray[] => {
      setBackendSync(be);
      manualSeed(99);
      const rnn = new nn.LSTM(12, 64, { numLayers: 2, bidirectional: true, batchFirst: true });
      const head = new nn.Linear(128, 10);
      const params = [...rnn.parameters(), ...head.parameters()];
      const opt = new optim.Adam(params, { lr: 1e-3 });
      const x = randn([40, 6, 12]);
      const y = randint(0, 10, [40]);
      for (let step = 0; step < 3; step++) {
        const [out] = rnn.call(x);
        const loss = nn.functional.crossEntropy(head.call(out.mean(1)), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        loss.dispose();
      }
      return params.map((p) => p.dataSync() as TypedArray);
    };
    await sameBitsAtEveryCount(train);
  });

  it('a seeded MLP trained with Adam ends with bit-identical parameters', async () => {
    const train = (be: WasmBackend): TypedArray[] => {
      setBackendSync(be);
      manualSeed(1234);
      const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
      const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
      const x = randn([128, 784]);
      const y = randint(0, 10, [128]);
      for (let step = 0; step < 3; step++) {
        const loss = nn.functional.crossEntropy(model.call(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
        loss.dispose();
      }
      return model.parameters().map((p) => p.dataSync() as TypedArray);
    };
    await sameBitsAtEveryCount(train);
  });
});

describe('workers', () => {
  it('are all up when createWasmBackend resolves, and take tasks of a large op but not of a small one', async () => {
    const be = await createWasmBackend({ threads: 3 });
    expect(be.threading).toMatchObject({ threads: 3, ready: 2, workerTasks: 0 });
    expect(be.capabilities.threads?.count).toBe(3);
    const small = put(be, f32(100, 1));
    be.kernels.unary({ op: 'exp', dtype: 'float32', x: small, out: small, n: 100 });
    expect(be.threading.workerTasks).toBe(0);
    const n = 1 << 20;
    const big = put(be, f32(n, 2));
    for (let i = 0; i < 5; i++) be.kernels.unary({ op: 'exp', dtype: 'float32', x: big, out: big, n });
    expect(be.threading.workerTasks).toBeGreaterThan(0);
    be.dispose();
  });

  it('never keep a Node process alive: a script that forgets dispose() exits', () => {
    const index = new URL('../dist/index.js', import.meta.url).href;
    const child = `
      const { createWasmBackend } = await import(${JSON.stringify(index)});
      const be = await createWasmBackend({ threads: 2 });
      const n = 1 << 18, x = be.alloc('float32', n);
      be.kernels.unary({ op: 'exp', dtype: 'float32', x, out: x, n });
      console.log('ready ' + be.threading.ready);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('ready 1');
  });
});

/** A bare pool over the shared build, with the worker handles and their exit reasons visible to the test. */
async function barePool(threads: number) {
  const { exports, memory, module } = await loadKernels({ relaxedSimd: false }, true);
  const allocator = new Allocator(memory, exports.__heap_base.value as number, 2 ** 32);
  const real = (await detectHost()).spawn!;
  const handles: { terminate(): void }[] = [];
  const exits: Promise<string>[] = [];
  const spawn: SpawnWorker = (source, init, onExit) => {
    let done: (why: string) => void = () => {};
    exits.push(new Promise((r) => (done = r)));
    const h = real(source, init, (why) => {
      onExit(why);
      done(why);
    });
    handles.push(h);
    return h;
  };
  const k = exports as unknown as Record<string, unknown>;
  const pool = new WorkerPool({ module: module!, memory, exports: k, allocator }, threads, spawn);
  await pool.start();
  const n = 1 << 16;
  const x = allocator.alloc(4 * n);
  /** Runs exp over x in 16 tasks with unary op `op` (an unknown code traps in every task). */
  const exp = (op = 3) => pool.run('unary', 'cp_unary_task', [0, op, x, x, n, n / 16], 16);
  return { pool, handles, exits, exp };
}

describe('the pool fails loudly', () => {
  it('a task that traps raises a BackendError, and the pool keeps working', async () => {
    const { pool, exp } = await barePool(2);
    exp();
    expect(() => exp(999)).toThrow(BackendError);
    expect(() => exp()).not.toThrow();
    pool.dispose();
  });

  it('a worker that dies makes the next op throw a BackendError naming it', async () => {
    const { pool, handles, exits, exp } = await barePool(3);
    exp();
    handles[1].terminate();
    expect(await exits[1]).toMatch(/exited/);
    expect(() => exp()).toThrow(/worker 2 of 2 exited with code \d+; the threaded backend cannot continue/);
    pool.dispose();
  });

  it('dispose() terminates every worker', async () => {
    const { pool, exits, exp } = await barePool(3);
    exp();
    pool.dispose();
    const settled = await Promise.race([
      Promise.all(exits),
      new Promise<string>((r) => setTimeout(() => r('timeout'), 5000)),
    ]);
    expect(settled).not.toBe('timeout');
  });
});
