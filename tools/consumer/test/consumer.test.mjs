// The packages as a user gets them: packed, installed with npm into a new project outside the workspace,
// the README example run on both backends and typechecked strictly, a Vite app trained in Chromium (dev
// server and production build), and each tarball checked for what `npm publish` would send.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInChromium } from '../src/browser-run.mjs';
import {
  addViteApp,
  createConsumerProject,
  onJsBackend,
  readmeExample,
  writeTsconfig,
} from '../src/consumer-project.mjs';
import { dryRunProblems, manifestProblems, tarballFiles } from '../src/manifest-check.mjs';
import { packAll, publishablePackages, ROOT } from '../src/pack.mjs';

const TSC = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/typescript/bin/tsc');
/** What a user installs to train: the core and both backends (the conformance suite is for backend authors). */
const INSTALLED = ['@cp/core', '@cp/backend-js', '@cp/backend-wasm'];

let packDir;
let packed;
let project;

before(() => {
  packDir = mkdtempSync(join(tmpdir(), 'cp-packs-'));
  packed = packAll(packDir);
  project = createConsumerProject(packed.filter((p) => INSTALLED.includes(p.name)).map((p) => p.tarball));
  writeFileSync(join(project, 'readme-wasm.mjs'), readmeExample());
  writeFileSync(join(project, 'readme-js.mjs'), onJsBackend(readmeExample()));
  writeFileSync(join(project, 'readme-wasm.ts'), readmeExample());
  writeFileSync(join(project, 'readme-js.ts'), onJsBackend(readmeExample()));
  addViteApp(project);
});

after(() => {
  rmSync(packDir, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it('are the publishable packages, nothing private', () => {
    assert.deepEqual(
      packed.map((p) => p.name).sort(),
      publishablePackages()
        .map((p) => p.manifest.name)
        .sort(),
    );
    for (const name of INSTALLED)
      assert.ok(
        packed.some((p) => p.name === name),
        `${name} is publishable`,
      );
  });

  it('have complete manifests, every export target, README and LICENSE, and no tests', () => {
    const problems = publishablePackages().flatMap(({ dir }, i) =>
      manifestProblems(packed[i].tarball, relative(ROOT, dir)),
    );
    assert.deepEqual(problems, []);
  });

  it('ship the built wasm modules and type declarations', () => {
    const wasm = tarballFiles(packed.find((p) => p.name === '@cp/backend-wasm').tarball);
    for (const f of ['dist/cp_kernels.wasm', 'dist/cp_kernels_threads_relaxed.wasm', 'dist/index.d.ts']) {
      assert.ok(wasm.includes(f), `backend-wasm ships ${f}`);
    }
  });

  it('pass `npm publish --dry-run` without a warning', () => {
    assert.deepEqual(
      packed.flatMap((p) => dryRunProblems(p.tarball)),
      [],
    );
  });
});

describe('the README example, in a new project outside the workspace', () => {
  for (const backend of ['wasm', 'js']) {
    it(`runs verbatim on the ${backend} backend`, () => {
      // NOTE: nx forces colour on; the example's console.log must print plain text to be matched.
      const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
      const out = execFileSync(process.execPath, [`readme-${backend}.mjs`], { cwd: project, encoding: 'utf8', env });
      assert.match(out, /^\d+(\.\d+)?(e-?\d+)? \[/, 'it prints the loss first');
      assert.match(out, /ok: true/, 'and a constraint report whose constraint holds');
      assert.doesNotMatch(out, /ok: false/);
    });
  }

  for (const resolution of ['bundler', 'node16', 'nodenext']) {
    it(`typechecks with strict tsc, moduleResolution ${resolution}`, () => {
      const config = writeTsconfig(project, resolution, ['readme-wasm.ts', 'readme-js.ts', 'main.ts']);
      execFileSync(process.execPath, [TSC, '-p', config], { cwd: project, encoding: 'utf8' });
    });
  }

  it('a type error in user code is reported (the check can fail)', () => {
    writeFileSync(join(project, 'wrong.ts'), "import { randn } from '@cp/core';\nconst n: string = randn([2]);\n");
    const config = writeTsconfig(project, 'bundler', ['wrong.ts']);
    assert.throws(
      () => execFileSync(process.execPath, [TSC, '-p', config], { cwd: project, encoding: 'utf8', stdio: 'pipe' }),
      (e) => /not assignable to type 'string'/.test(String(e.stdout)),
    );
  });
});

describe('a Vite app on the installed packages, in headless Chromium', () => {
  for (const mode of ['dev', 'build']) {
    it(`trains on wasm with the Vite ${mode === 'dev' ? 'dev server' : 'production build'}`, async () => {
      const { result, bundle, pageErrors } = await runInChromium(project, mode);
      assert.equal(result.backend, 'wasm');
      assert.ok(result.last < 0.5 * result.first, `loss fell from ${result.first} to ${result.last}`);
      assert.ok(result.maxNorm <= 1 + 1e-5, `maxNorm(1) holds: ${result.maxNorm}`);
      assert.deepEqual(pageErrors, []);
      if (bundle)
        assert.ok(
          bundle.some((f) => f.fileName.endsWith('.wasm')),
          'the build emits the .wasm asset',
        );
    });
  }
});
