/**
 * The page of the Chromium conformance run: runs the whole conformance suite on the wasm backend with 2
 * threads (every splittable call cut into the smallest chunks, as in conformance-threads.test.ts, so that the
 * suite's small inputs run split; fewer property runs than in Node) and reports the result and the backend's
 * threading to /result.
 */
import { runConformance } from '@cp/conformance';
import { createWasmBackend } from '../../dist/index.js';
import { runCollected } from './vitest-shim.js';

const report = (body: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify(body) });

/** The backend's threading as it was when the suite disposed of it (workers that took part, and why). */
let threading: unknown = null;

async function threadedBackend() {
  const b = await createWasmBackend({ threads: 2, tinyChunks: true });
  const dispose = b.dispose.bind(b);
  b.dispose = () => {
    threading = { ...b.threading, simd: b.capabilities.simd };
    dispose();
  };
  return b;
}

try {
  runConformance('wasm (2 threads, Chromium)', threadedBackend, { numRuns: 15 });
  const result = await runCollected(() => true);
  await report({ ...result, threading });
} catch (e) {
  await report({ passed: 0, failed: [{ name: 'page', error: String(e) }] });
}
