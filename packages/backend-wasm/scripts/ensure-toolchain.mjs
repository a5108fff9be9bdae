#!/usr/bin/env node
// Installs the Debian Rust toolchain that scripts/build-wasm.mjs needs (rustc/cargo with wasm32 std sources and
// lld) when it is missing. Installs only when running as root; otherwise prints the apt-get command.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES = ['rustc-web', 'cargo-web', 'rust-web-src', 'lld-22'];
const needed = ['/usr/bin/cargo', '/usr/bin/rustc', '/usr/lib/rustlib/src/rust/library/std'];

if (needed.every((p) => existsSync(p))) {
  console.log('ensure-toolchain: Rust toolchain for wasm32 present');
} else if (process.getuid?.() === 0) {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', ...PACKAGES], { stdio: 'inherit' });
} else {
  console.error(`ensure-toolchain: missing Rust toolchain; run as root:\n  apt-get install -y ${PACKAGES.join(' ')}`);
  process.exit(1);
}
