// The Rust kernels decode op codes with the generated `from_u32` of crate/src/ops.rs, which traps on a
// code no op has (before, an unknown unary code did nothing and unknown binary/compare codes ran min/ge).
// Each check instantiates its own module, since a trap leaves an instance in an unknown state.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { KernelExports } from '../src/abi.js';
import { ARG_REDUCE_CODE, BINARY_CODE, COMPARE_CODE, REDUCE_CODE, UNARY_CODE } from '../src/abi.js';

const bytes = readFileSync(fileURLToPath(new URL('../dist/cp_kernels.wasm', import.meta.url)));

async function fresh(): Promise<{ k: KernelExports; base: number }> {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const k = instance.exports as unknown as KernelExports;
  const base = ((k.__heap_base.value as number) + 15) & ~15;
  if (base + 4096 > k.memory.buffer.byteLength) k.memory.grow(1);
  return { k, base };
}

/** One past the largest code of a family: a code no op has. */
const unknown = (codes: Readonly<Record<string, number>>) => Math.max(...Object.values(codes)) + 1;

it('every kernel that takes an op code traps on an unknown code instead of computing another op', async () => {
  const calls: [string, (k: KernelExports, p: number) => void][] = [
    ['unary f32', (k, p) => k.cp_unary(0, unknown(UNARY_CODE), p, p + 64, 4)],
    ['unary i32', (k, p) => k.cp_unary(1, unknown(UNARY_CODE), p, p + 64, 4)],
    ['unary i32 of a float-only op', (k, p) => k.cp_unary(1, UNARY_CODE.tan, p, p + 64, 4)],
    ['binary scalar f32', (k, p) => k.cp_binary_scalar(0, unknown(BINARY_CODE), p, 0, 0, p + 64, 4)],
    ['binary scalar i32 of a float-only op', (k, p) => k.cp_binary_scalar(1, BINARY_CODE.fmod, p, 0, 0, p + 64, 4)],
    ['reduce', (k, p) => k.cp_reduce(0, unknown(REDUCE_CODE), p, p + 64, 1, 4, 1)],
    ['argReduce', (k, p) => k.cp_arg_reduce(0, unknown(ARG_REDUCE_CODE), p, p + 64, 1, 4, 1)],
  ];
  for (const [what, call] of calls) {
    const { k, base } = await fresh();
    expect(() => call(k, base), what).toThrow(WebAssembly.RuntimeError);
  }
  const { k, base } = await fresh();
  const i32 = new Int32Array(k.memory.buffer);
  i32[(base + 256) / 4] = 4; // shape [4]
  i32[(base + 260) / 4] = 1; // strides [1]
  expect(() =>
    k.cp_compare(0, unknown(COMPARE_CODE), base, base + 64, base + 128, 1, base + 256, base + 260, base + 260),
  ).toThrow(WebAssembly.RuntimeError);
});

it('the known codes still run (the trap is only for unknown ones)', async () => {
  const { k, base } = await fresh();
  const f = new Float32Array(k.memory.buffer);
  f.set([0.5, -0.25, 1, 0], base / 4);
  k.cp_unary(0, UNARY_CODE.atan, base, base + 64, 4);
  expect(Array.from(f.subarray((base + 64) / 4, (base + 64) / 4 + 4))).toEqual(
    [0.5, -0.25, 1, 0].map((v) => Math.fround(Math.atan(v))),
  );
});
