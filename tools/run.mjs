#!/usr/bin/env node
// The README's two commands go through here: `npm start` (the main job) and `npm test` (every test).
// Each does its own set-up on a fresh machine that has only Node 20 and npm: pnpm at the pinned
// version, the dependencies, the system packages the wasm build and the browser test need, and the
// builds the tests use. Extra arguments after `--` go to the main job.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLCHAIN } from '../packages/backend-wasm/scripts/toolchain.mjs';
import { BUILD_STAMP, dependenciesInstalled, INSTALL_STAMP, staleDemoPackages } from './setup/src/freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];

function log(message) {
  console.log(`\x1b[36m[cp]\x1b[0m ${message}`);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function mustRun(cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`[cp] failed (exit ${status}): ${cmd} ${args.join(' ')}`);
    process.exit(status);
  }
}

function output(cmd, args) {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Runs a set-up step with its output in a log file instead of the terminal: one line says what runs, and
 * the log's end is printed only if it fails.
 */
function quietly(message, name, cmd, args) {
  const logFile = join(root, 'node_modules/.cache/cp', `${name}.log`);
  log(`${message} (log: ${logFile.slice(root.length + 1)})`);
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`);
  if (r.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-40).join('\n');
    console.error(
      `${tail}\n[cp] failed (exit ${r.status ?? r.error}): ${cmd} ${args.join(' ')}; whole log: ${logFile}`,
    );
    process.exit(r.status || 1);
  }
}

/** The pnpm command to use: the pinned version on PATH, else installed globally, else through npx. */
function ensurePnpm() {
  if (output('pnpm', ['--version']) === pnpmVersion) return ['pnpm'];
  log(`installing pnpm@${pnpmVersion} (npm i -g)`);
  if (
    run('npm', ['install', '--global', `pnpm@${pnpmVersion}`]) === 0 &&
    output('pnpm', ['--version']) === pnpmVersion
  ) {
    return ['pnpm'];
  }
  log(`global install not possible here; using npx pnpm@${pnpmVersion}`);
  return ['npx', '--yes', `pnpm@${pnpmVersion}`];
}

/** Debian packages the project needs, installed with apt-get when missing (as root, or with sudo). */
function ensureSystemPackages(packages) {
  const missing = [...new Set(packages.filter(({ check }) => !existsSync(check)).map(({ name }) => name))];
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  const prefix = isRoot ? [] : output('sudo', ['-n', 'true']) !== null ? ['sudo', '-n'] : null;
  if (!prefix || !existsSync('/usr/bin/apt-get')) {
    console.error(
      `[cp] missing system packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
    process.exit(1);
  }
  log(`installing system packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    run(prefix[0] ?? 'apt-get', prefix.length ? [...prefix.slice(1), 'apt-get', ...args] : args, { env });
  if (apt(['install', '-y', '--no-install-recommends', ...missing]) !== 0) {
    mustRun(prefix[0] ?? 'apt-get', prefix.length ? [...prefix.slice(1), 'apt-get', 'update'] : ['update'], { env });
    if (apt(['install', '-y', '--no-install-recommends', ...missing]) !== 0) process.exit(1);
  }
}

const RUST_WASM = TOOLCHAIN.map((t) => ({ name: t.package, check: t.path }));
const CHROMIUM = [{ name: 'chromium', check: '/usr/bin/chromium' }];
/** numpy for the independent safetensors reader the core checkpoint test runs (python3 itself is on every machine). */
const NUMPY = [{ name: 'python3-numpy', check: '/usr/lib/python3/dist-packages/numpy' }];
/** PyTorch (1.13 on Debian 12) for /usr/bin/python3: the oracle of packages/torch-oracle. */
const TORCH = [{ name: 'python3-torch', check: '/usr/lib/python3/dist-packages/torch' }];

function setUp(systemPackages) {
  ensureSystemPackages(systemPackages);
  const pnpm = ensurePnpm();
  log('installing dependencies (pnpm install --frozen-lockfile)');
  mustRun(pnpm[0], [...pnpm.slice(1), 'install', '--frozen-lockfile']);
  return pnpm;
}

const [command, ...rest] = process.argv.slice(2);
const extra = rest[0] === '--' ? rest.slice(1) : rest;

if (command === 'test') {
  const pnpm = setUp([...RUST_WASM, ...CHROMIUM, ...NUMPY, ...TORCH]);
  log('checking format and lint of the whole tree (biome)');
  mustRun(pnpm[0], [...pnpm.slice(1), 'exec', 'biome', 'check', '.']);
  log('building, type-checking, linting, testing every package and generating the API reference (nx run-many)');
  mustRun(pnpm[0], [
    ...pnpm.slice(1),
    'exec',
    'nx',
    'run-many',
    '-t',
    'build',
    'typecheck',
    'lint',
    'test',
    'docs',
    '--outputStyle=stream',
  ]);
} else if (command === 'demo') {
  // NOTE: on a built tree nothing runs before the demo, so `--help` and option errors print at once.
  ensureSystemPackages(RUST_WASM);
  const pnpm = ensurePnpm();
  if (!dependenciesInstalled(root)) {
    quietly('installing dependencies (pnpm install --frozen-lockfile)', 'install', pnpm[0], [
      ...pnpm.slice(1),
      'install',
      '--frozen-lockfile',
    ]);
    writeFileSync(join(root, INSTALL_STAMP), '');
  }
  const stale = staleDemoPackages(root);
  if (stale.length > 0) {
    quietly(`building ${stale.join(', ')} and what they need (nx)`, 'build', pnpm[0], [
      ...pnpm.slice(1),
      'exec',
      'nx',
      'run',
      '@cp/mnist-demo:build',
    ]);
    writeFileSync(join(root, BUILD_STAMP), '');
  }
  // The demo prints its own errors (option errors included); its exit status is the command's.
  process.exit(run(process.execPath, [join(root, 'packages/mnist-demo/dist/cli.js'), ...extra]));
} else {
  console.error('usage: node tools/run.mjs test | demo [-- options]');
  process.exit(2);
}
