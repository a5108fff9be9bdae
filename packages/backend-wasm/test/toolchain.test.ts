// The wasm build's set-up: every binary it calls is in the one toolchain list (so run.mjs installs it and
// the build names it when missing), and the linker is passed explicitly, so Debian's `rust-lld` (which a new
// machine lacks) is never looked for.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { LINKER, RUST_SRC, TOOLCHAIN } from '../scripts/toolchain.mjs';

const script = join(import.meta.dirname, '..', 'scripts', 'build-wasm.mjs');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function buildWith(env: Record<string, string>) {
  return spawnSync(process.execPath, [script, '--plain-only'], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('wasm build toolchain', () => {
  it('lists the linker and the std sources the build passes to cargo, each with its Debian package', () => {
    const paths = (TOOLCHAIN as { path: string; package: string }[]).map((t) => t.path);
    expect(paths).toContain(LINKER);
    expect(paths).toContain(join(RUST_SRC, 'std'));
    expect(paths).toContain(join(RUST_SRC, 'vendor'));
    for (const t of TOOLCHAIN as { package: string }[]) expect(t.package).toMatch(/^[a-z0-9.+-]+$/);
  });

  it('names every missing binary before cargo starts', () => {
    const r = buildWith({ CP_CARGO: '/nonexistent/cargo', CP_RUSTC: '/nonexistent/rustc' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('missing /nonexistent/cargo');
    expect(r.stderr).toContain('missing /nonexistent/rustc');
    expect(r.stderr).toContain('apt-get install -y cargo-web rustc-web');
  });

  it('passes the wasm linker explicitly, so rustc never looks for rust-lld', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-fake-cargo-'));
    dirs.push(dir);
    const fake = join(dir, 'cargo');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s' "$CARGO_ENCODED_RUSTFLAGS" > "${dir}/flags"\nexit 3\n`);
    chmodSync(fake, 0o755);
    const r = buildWith({ CP_CARGO: fake });
    expect(r.status).toBe(1);
    const flags = readFileSync(join(dir, 'flags'), 'utf8').split('\x1f');
    expect(flags).toContain(`-Clinker=${LINKER}`);
  });
});
