#!/usr/bin/env node
// Installs the Debian Rust toolchain that scripts/build-wasm.mjs needs (see toolchain.mjs) when any part is
// missing. Installs only when running as root; otherwise prints the apt-get command.
import { execFileSync } from 'node:child_process';
import { missingPackages, missingToolchain } from './toolchain.mjs';

const packages = missingPackages();
if (packages.length === 0) {
  console.log('ensure-toolchain: Rust toolchain for wasm32 present');
} else if (process.getuid?.() === 0) {
  execFileSync('apt-get', ['update'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit' });
  const still = missingToolchain();
  if (still.length > 0) {
    console.error(`ensure-toolchain: still missing after install: ${still.map((t) => t.path).join(', ')}`);
    process.exit(1);
  }
} else {
  console.error(`ensure-toolchain: missing Rust toolchain; run as root:\n  apt-get install -y ${packages.join(' ')}`);
  process.exit(1);
}
