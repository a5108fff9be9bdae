// A smoke test in headless Chromium (skipped where it is not installed): the built package, loaded by a page
// served cross-origin isolated, runs threaded (Web Workers over shared memory, the page's main thread spinning
// instead of Atomics.wait) with a worker taking tasks and the right product; served without the COOP/COEP
// headers it falls back to one thread and says why.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { hasChromium, runInChromium } from './chromium.js';

const packages = fileURLToPath(new URL('../..', import.meta.url));

const page = `<!doctype html>
<script type="importmap">{"imports":{"@cp/core":"/core/dist/index.js","@cp/core/backend":"/core/dist/backend/index.js"}}</script>
<script type="module">
const report = (s) => fetch('/result?' + encodeURIComponent(s));
try {
  const { createWasmBackend } = await import('/backend-wasm/dist/index.js');
  const b = await createWasmBackend({ threads: 2 });
  const N = 256;
  const [a, c, o] = [0, 1, 2].map(() => b.alloc('float32', N * N));
  b.write(a, new Float32Array(N * N).fill(1));
  b.write(c, new Float32Array(N * N).fill(2));
  const args = { a, b: c, out: o, batch: 1, m: N, k: N, n: N, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0 };
  for (let i = 0; i < 5; i++) b.kernels.matmul(args);
  await report(JSON.stringify({ ...b.threading, value: b.readSync(o)[123] }));
} catch (e) { await report('error: ' + e.message); }
</script>`;

/** Serves packages/ (and the page at /) and returns what the page reported, from one Chromium run. */
const runPage = (isolated: boolean): Promise<string> =>
  runInChromium({ root: packages, page, isolated, timeoutMs: 30_000 });

it.skipIf(!hasChromium)(
  'in Chromium a cross-origin isolated page runs 2 threads, a plain page 1 and says why',
  async () => {
    const iso = JSON.parse(await runPage(true));
    expect(iso).toMatchObject({ threads: 2, ready: 1, value: 512 });
    expect(iso.workerTasks).toBeGreaterThan(0);
    const plain = JSON.parse(await runPage(false));
    expect(plain).toMatchObject({
      threads: 1,
      reason: '1 (requested 2): not cross-origin isolated (no SharedArrayBuffer)',
      value: 512,
    });
  },
  70_000,
);
