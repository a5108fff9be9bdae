// cp wasm matmul through the op API without reading the result back (the main bench reads it back for
// every engine). Usage: node tools/bench/src/matmul-no-readback.mjs
import { createWasmBackend } from '@cp/backend-wasm';
import { randn, setBackend, tidy } from '@cp/core';

await setBackend(await createWasmBackend());
for (const n of [256, 512, 1024]) {
  const a = randn([n, n]);
  const b = randn([n, n]);
  const reps = n === 1024 ? 10 : 40;
  // NOTE: the block body returns nothing, so tidy frees each product and the allocator reuses its memory.
  const multiply = () =>
    tidy(() => {
      a.matmul(b);
    });
  for (let i = 0; i < 5; i++) multiply();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    multiply();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  console.log(`N=${n}: ${((2 * n ** 3) / times[reps >> 1] / 1e6).toFixed(1)} GFLOP/s (median of ${reps})`);
}
