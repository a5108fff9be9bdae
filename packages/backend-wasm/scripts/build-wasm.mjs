#!/usr/bin/env node
// Builds the Rust kernels (crate/) into dist/cp_kernels.wasm (SIMD128), dist/cp_kernels_relaxed.wasm
// (SIMD128 + relaxed-simd FMA in the matmul micro-kernel) and their shared-memory twins for the worker pool,
// dist/cp_kernels_threads.wasm and dist/cp_kernels_threads_relaxed.wasm (+atomics: the memory is imported
// and shared, each worker sets its own stack pointer and thread-local block), offline, with Debian's
// rustc/cargo and std built from source. `--verify` builds the plain variant a second time in a fresh target dir and checks that the
// sha256 is identical (reproducible build). Usage: node scripts/build-wasm.mjs [--verify] [--plain-only]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CARGO, LINKER, missingToolchain, RUST_SRC, RUSTC } from './toolchain.mjs';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crate = join(pkg, 'crate');
const dist = join(pkg, 'dist');
const TARGET = 'wasm32-unknown-unknown';

/** Linker arguments of the shared-memory builds: the loader supplies the memory (up to the wasm32 4 GiB). */
const THREAD_LINK = [
  '--shared-memory',
  '--import-memory',
  '--max-memory=4294967296',
  '--export=__stack_pointer',
  '--export=__wasm_init_tls',
  '--export=__tls_size',
  '--export=__tls_align',
];
const ATOMICS = '+atomics,+bulk-memory,+mutable-globals';

const variants = [
  { name: 'plain', features: '+simd128', out: 'cp_kernels.wasm', link: [] },
  { name: 'relaxed', features: '+simd128,+relaxed-simd', out: 'cp_kernels_relaxed.wasm', link: [] },
  { name: 'threads', features: `+simd128,${ATOMICS}`, out: 'cp_kernels_threads.wasm', link: THREAD_LINK },
  {
    name: 'threads-relaxed',
    features: `+simd128,+relaxed-simd,${ATOMICS}`,
    out: 'cp_kernels_threads_relaxed.wasm',
    link: THREAD_LINK,
  },
];

/** Names every missing binary or source tree before cargo starts (cargo would name only the first). */
function checkToolchain() {
  const missing = missingToolchain();
  if (missing.length > 0) {
    for (const t of missing) console.error(`build-wasm: missing ${t.path} (${t.role}; Debian package ${t.package})`);
    const packages = [...new Set(missing.map((t) => t.package))];
    console.error(`Install them with:\n  apt-get install -y ${packages.join(' ')}`);
    console.error('(or run `node packages/backend-wasm/scripts/ensure-toolchain.mjs` as root)');
    process.exit(1);
  }
}

function run(cmd, args, env) {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, {
      cwd: crate,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}\n${err}`))));
  });
}

async function cargoBuild(variant, targetDir) {
  // NOTE: absolute paths are remapped so the bytes do not depend on where the checkout lives.
  const flags = [
    `-Ctarget-feature=${variant.features}`,
    `-Clinker=${LINKER}`,
    `--remap-path-prefix=${crate}=/cp_kernels`,
    `--remap-path-prefix=${RUST_SRC}=/rust/library`,
    `--remap-path-prefix=${process.env.HOME ?? '/root'}=/home`,
    ...variant.link.map((a) => `-Clink-arg=${a}`),
  ];
  await run(
    CARGO,
    ['build', '--release', '--target', TARGET, '-Zbuild-std=std,panic_abort', '--target-dir', targetDir, '--locked'],
    {
      RUSTC,
      RUSTC_BOOTSTRAP: '1',
      CARGO_ENCODED_RUSTFLAGS: flags.join('\x1f'),
      RUSTFLAGS: '',
      CARGO_INCREMENTAL: '0',
      SOURCE_DATE_EPOCH: '0',
    },
  );
  return join(targetDir, TARGET, 'release', 'cp_kernels.wasm');
}

const sha256 = async (file) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function main() {
  checkToolchain();
  const args = new Set(process.argv.slice(2));
  const chosen = args.has('--plain-only') ? variants.slice(0, 1) : variants;
  await mkdir(dist, { recursive: true });
  const t0 = performance.now();
  // The variants use separate target dirs (different RUSTFLAGS rebuild std) and build in parallel.
  const built = await Promise.all(chosen.map((v) => cargoBuild(v, join(crate, 'target', v.name))));
  for (const [i, v] of chosen.entries()) {
    await copyFile(built[i], join(dist, v.out));
    const bytes = (await readFile(built[i])).length;
    console.log(`build-wasm: dist/${v.out} ${bytes} bytes sha256 ${await sha256(built[i])}`);
  }
  console.log(`build-wasm: cargo took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (args.has('--verify')) {
    const fresh = await mkdtemp(join(tmpdir(), 'cp-kernels-verify-'));
    try {
      const again = await cargoBuild(variants[0], fresh);
      const [a, b] = [await sha256(built[0]), await sha256(again)];
      if (a !== b) throw new Error(`build-wasm: not reproducible: ${a} vs ${b}`);
      console.log(`build-wasm: reproducible (fresh build has the same sha256 ${a})`);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
