// Where a job pays: microseconds per call of the wasm kernels that the worker pool splits, at a few sizes,
// on 1 thread and on 2 (or `--threads N`), the fastest and the median of 9 batches of calls, all in one
// process (on a shared machine the fastest batch is the one least disturbed by other processes). The sizes bracket the thresholds in packages/backend-wasm/src/kernels.ts.
// Usage: node tools/bench/src/thread-thresholds.mjs [--threads 2]
import { cpus, loadavg } from 'node:os';
import { createWasmBackend } from '@cp/backend-wasm';

const arg = process.argv.indexOf('--threads');
const THREADS = arg > 0 ? Number(process.argv[arg + 1]) : 2;

/** [fastest, median] microseconds of one call of `fn`, over 9 batches of at least 5 ms each. */
function time(fn) {
  fn();
  let reps = 1;
  for (let t = 0; t < 5; reps *= 2) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - s > 5) break;
  }
  const per = [];
  for (let r = 0; r < 9; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) fn();
    per.push(((performance.now() - s) * 1000) / reps);
  }
  per.sort((a, b) => a - b);
  return [per[0], per[4]];
}

const put = (be, values) => {
  const h = be.alloc(values instanceof Int32Array ? 'int32' : 'float32', values.length);
  be.write(h, values);
  return h;
};
const randomF32 = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 - 17);

/** The cases: a label, the sizes, and for a size a function that sets up inputs and returns the call. */
const cases = [
  {
    kernel: 'sum over all elements',
    sizes: [65_536, 131_072, 262_144, 1 << 20],
    setup: (be, n) => {
      const x = put(be, randomF32(n));
      const out = be.alloc('float32', 1);
      return () => be.kernels.reduce({ op: 'sum', dtype: 'float32', x, out, outer: 1, size: n, inner: 1 });
    },
  },
  {
    kernel: 'max over all elements',
    sizes: [65_536, 131_072, 262_144, 1 << 20],
    setup: (be, n) => {
      const x = put(be, randomF32(n));
      const out = be.alloc('float32', 1);
      return () => be.kernels.reduce({ op: 'max', dtype: 'float32', x, out, outer: 1, size: n, inner: 1 });
    },
  },
  {
    // unfold of a 3x3 window over [outer, 28·28] planes (+1 padding slot), as ops/window.ts issues it
    kernel: 'gather (3x3 unfold, 28x28 planes)',
    sizes: [2, 4, 8, 32],
    unit: 'planes',
    setup: (be, planes) => conv(be, planes, 'gather'),
  },
  {
    kernel: 'scatterAdd (3x3 fold, 28x28 planes)',
    sizes: [2, 4, 8, 32],
    unit: 'planes',
    setup: (be, planes) => conv(be, planes, 'scatterAdd'),
  },
  {
    kernel: 'compare gt (row broadcast)',
    sizes: [32_768, 65_536, 131_072, 1 << 20],
    setup: (be, n) => {
      const x = put(be, randomF32(n));
      const zero = put(be, new Float32Array(256));
      const out = be.alloc('bool', n);
      const shape = [n / 256, 256];
      return () =>
        be.kernels.compare({
          op: 'gt',
          dtype: 'float32',
          a: x,
          b: zero,
          out,
          shape,
          aStrides: [256, 1],
          bStrides: [0, 1],
        });
    },
  },
  {
    kernel: 'where (relu backward)',
    sizes: [32_768, 65_536, 131_072, 1 << 20],
    setup: (be, n) => {
      const x = put(be, randomF32(n));
      const zero = put(be, new Float32Array(1));
      const cond = be.alloc('bool', n);
      const shape = [n / 256, 256];
      const s = [256, 1];
      be.kernels.compare({
        op: 'gt',
        dtype: 'float32',
        a: x,
        b: zero,
        out: cond,
        shape,
        aStrides: s,
        bStrides: [0, 0],
      });
      const out = be.alloc('float32', n);
      return () =>
        be.kernels.where({
          dtype: 'float32',
          cond,
          a: x,
          b: zero,
          out,
          shape,
          condStrides: s,
          aStrides: s,
          bStrides: [0, 0],
        });
    },
  },
  {
    kernel: 'argmax over 4 taps (2x2 max pool)',
    sizes: [16_384, 32_768, 65_536, 262_144],
    unit: 'windows',
    setup: (be, rows) => {
      const x = put(be, randomF32(rows * 4));
      const out = be.alloc('int32', rows);
      return () => be.kernels.argReduce({ op: 'argmax', dtype: 'float32', x, out, outer: rows, size: 4, inner: 1 });
    },
  },
];

/** The unfold (gather) or fold (scatterAdd) of a 3x3 window, padding 1, over `planes` 28x28 planes. */
function conv(be, planes, which) {
  const side = 28;
  const plane = side * side;
  const taps = 9;
  const table = new Int32Array(taps * plane);
  for (let k = 0; k < taps; k++) {
    const [di, dj] = [Math.floor(k / 3) - 1, (k % 3) - 1];
    for (let i = 0; i < side; i++) {
      for (let j = 0; j < side; j++) {
        const [r, c] = [i + di, j + dj];
        table[k * plane + i * side + j] = r >= 0 && r < side && c >= 0 && c < side ? r * side + c : plane;
      }
    }
  }
  const index = put(be, table);
  const count = taps * plane;
  const plan = { outer: planes, size: plane + 1, inner: 1, count, indexStrides: [0, 1, 0] };
  const x = put(be, randomF32(planes * (plane + 1)));
  const cols = put(be, randomF32(planes * count));
  if (which === 'gather') return () => be.kernels.gather({ dtype: 'float32', x, index, out: cols, ...plan });
  return () => be.kernels.scatterAdd({ dtype: 'float32', src: cols, index, out: x, ...plan });
}

const backends = [await createWasmBackend({ threads: 1 }), await createWasmBackend({ threads: THREADS })];
console.log(
  `${cpus().length} cores, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at start`,
);
console.log(`| kernel | size | 1 thread (µs, fastest / median) | ${THREADS} threads (µs) | speedup (fastest) |`);
console.log('| --- | --- | --- | --- | --- |');
for (const c of cases) {
  for (const size of c.sizes) {
    const [one, many] = backends.map((be) => time(c.setup(be, size)));
    const label = c.unit ? `${size} ${c.unit}` : `${size} elements`;
    const us = ([fast, median]) => `${fast.toFixed(1)} / ${median.toFixed(1)}`;
    console.log(`| ${c.kernel} | ${label} | ${us(one)} | ${us(many)} | ${(one[0] / many[0]).toFixed(2)}x |`);
  }
}
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at end`,
);
for (const be of backends) be.dispose();
