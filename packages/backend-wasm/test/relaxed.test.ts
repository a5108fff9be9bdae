// The relaxed-simd build (FMA in the matmul micro-kernel) needs --experimental-wasm-relaxed-simd on Node 20.
// The raw build is checked in a child process given that flag (a matmul through its raw exports against a
// float64 product); the last test checks that the loader sets the flag itself by default.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const wasmPath = fileURLToPath(new URL('../dist/cp_kernels_relaxed.wasm', import.meta.url));

const child = `
const fs = await import('node:fs');
const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[1]), {});
const k = instance.exports;
const [m, kk, n] = [37, 300, 45];
const base = (k.__heap_base.value + 15) & ~15;
const need = base + 4 * (m * kk + kk * n + m * n);
if (need > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
const f = new Float32Array(k.memory.buffer);
const [pa, pb, pc] = [base, base + 4 * m * kk, base + 4 * (m * kk + kk * n)];
for (let i = 0; i < m * kk + kk * n; i++) f[pa / 4 + i] = Math.sin(i * 0.37);
k.cp_matmul(pa, pb, pc, 1, m, kk, n, 0, 1, 0, 0);
let worst = 0;
for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
  let s = 0, mag = 0;
  for (let p = 0; p < kk; p++) { const t = f[pa / 4 + i * kk + p] * f[pb / 4 + j * kk + p]; s += t; mag += Math.abs(t); }
  worst = Math.max(worst, Math.abs(f[pc / 4 + i * n + j] - s) / (kk * 2 ** -23 * mag));
}
console.log(worst <= 1 ? 'ok' : 'bound exceeded ' + worst);
`;

it.skipIf(!existsSync(wasmPath))('the relaxed-simd build computes matmul within the summation bound', () => {
  const r = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', child, wasmPath],
    {
      encoding: 'utf8',
    },
  );
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('ok');
});

it('in Node the default backend turns relaxed SIMD on and runs the relaxed build; relaxedSimd: false keeps the plain one', async () => {
  const { createWasmBackend } = await import('../src/index.js');
  const auto = await createWasmBackend({ threads: 1 });
  expect(auto.variant).toBe('relaxed-simd');
  const threaded = await createWasmBackend({ threads: 2 });
  expect(threaded.variant).toBe('relaxed-simd');
  const plain = await createWasmBackend({ threads: 1, relaxedSimd: false });
  expect(plain.variant).toBe('simd128');
  for (const be of [auto, threaded, plain]) be.dispose();
});
