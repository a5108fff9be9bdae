// A smoke test in headless Chromium (skipped where it is not installed): the built package, loaded by a page
// served cross-origin isolated, runs threaded (Web Workers over shared memory, the page's main thread spinning
// instead of Atomics.wait) with a worker taking tasks and the right product; served without the COOP/COEP
// headers it falls back to one thread and says why.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
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
async function runPage(isolated: boolean): Promise<string> {
  const types: Record<string, string> = { js: 'text/javascript', wasm: 'application/wasm' };
  let resolve: (s: string) => void = () => {};
  const result = new Promise<string>((r) => (resolve = r));
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const headers: Record<string, string> = isolated
      ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
      : {};
    if (url.pathname === '/result') {
      resolve(decodeURIComponent(url.search.slice(1)));
      res.end();
    } else if (url.pathname === '/') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html' }).end(page);
    } else {
      try {
        const body = await readFile(packages + url.pathname.slice(1));
        const type = types[url.pathname.split('.').pop() ?? ''] ?? 'application/octet-stream';
        res.writeHead(200, { ...headers, 'content-type': type }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const args = [
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    `--user-data-dir=/tmp/cp-chromium-threads-${process.pid}-${isolated}`,
  ];
  const chrome = spawn(CHROMIUM, [...args, `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  const timeout = new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000));
  try {
    return await Promise.race([result, timeout]);
  } finally {
    chrome.kill();
    server.close();
  }
}

it.skipIf(!existsSync(CHROMIUM))(
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
