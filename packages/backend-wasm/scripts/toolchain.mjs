// The one list of what the wasm build calls, and the Debian package that provides each path. Read by
// build-wasm.mjs (checked before cargo starts, so a missing binary is named up front), by
// ensure-toolchain.mjs and by the root tools/run.mjs (which installs what is missing).
import { existsSync } from 'node:fs';

/** cargo and rustc; `CP_CARGO` / `CP_RUSTC` replace Debian's. */
export const CARGO = process.env.CP_CARGO ?? '/usr/bin/cargo';
export const RUSTC = process.env.CP_RUSTC ?? '/usr/bin/rustc';

/** Each path the build uses, with the Debian package that provides it. */
export const TOOLCHAIN = [
  { path: CARGO, package: 'cargo-web', role: 'cargo' },
  { path: RUSTC, package: 'rustc-web', role: 'rustc (has the wasm32 target)' },
  { path: '/usr/lib/rustlib/src/rust/library/std', package: 'rust-web-src', role: 'std sources (-Zbuild-std)' },
  { path: '/usr/lib/rustlib/src/rust/library/vendor', package: 'rust-web-src', role: "std's vendored crates" },
  // NOTE: the linker is passed explicitly (-Clinker), so rustc never looks for `rust-lld` (rust-web-llvm).
  { path: '/usr/bin/wasm-ld-22', package: 'lld-22', role: 'the wasm linker' },
];

/** Paths of the linker and sources the build passes to cargo. */
export const LINKER = '/usr/bin/wasm-ld-22';
export const RUST_SRC = '/usr/lib/rustlib/src/rust/library';

/** The entries whose path is missing on this machine. */
export function missingToolchain() {
  return TOOLCHAIN.filter((t) => !existsSync(t.path));
}

/** The Debian packages that provide the missing entries, each once. */
export function missingPackages() {
  return [...new Set(missingToolchain().map((t) => t.package))];
}
