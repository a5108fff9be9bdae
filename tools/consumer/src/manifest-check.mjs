// What a registry would get from one packed tarball, checked before anyone publishes it: the manifest's
// fields, that every `exports`/`types` target is in the tarball, the files a user needs (README, LICENSE),
// none a user does not (tests), and a clean `npm publish --dry-run`.
import { execFileSync, spawnSync } from 'node:child_process';

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'];

/** Every file path in the tarball, without the `package/` prefix. */
export function tarballFiles(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}

/** The package.json inside the tarball. */
export function tarballManifest(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

/** Every string target of an `exports` map (conditions and subpaths, nested). */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** Problems with one tarball's manifest and files, as sentences naming the package; [] when clean. */
export function manifestProblems(tarball, directory) {
  const m = tarballManifest(tarball);
  const files = new Set(tarballFiles(tarball));
  const problems = [];
  const say = (what) => problems.push(`${m.name}: ${what}`);
  for (const field of ['name', 'version', 'description', 'license']) if (!m[field]) say(`no "${field}"`);
  if (m.license !== 'MIT') say(`license is ${m.license}, not MIT like the repository`);
  if (!m.repository?.url) say('no "repository.url"');
  if (m.repository?.directory !== directory)
    say(`repository.directory is ${m.repository?.directory}, not ${directory}`);
  if (m.name.startsWith('@') && m.publishConfig?.access !== 'public') {
    say('a scoped package needs "publishConfig": {"access": "public"} or the registry makes it private');
  }
  for (const field of DEP_FIELDS) {
    for (const [dep, range] of Object.entries(m[field] ?? {})) {
      if (String(range).startsWith('workspace:')) say(`${field}.${dep} is still ${range}`);
    }
  }
  for (const target of [...exportTargets(m.exports), m.types].filter(Boolean)) {
    if (!files.has(target.replace(/^\.\//, ''))) say(`exports/types target ${target} is not in the tarball`);
  }
  for (const needed of ['README.md', 'LICENSE']) if (!files.has(needed)) say(`${needed} is not in the tarball`);
  for (const f of files) if (/(^|\/)test\/|\.test\.[cm]?[jt]s$/.test(f)) say(`ships a test file: ${f}`);
  return problems;
}

/**
 * Runs `npm publish --dry-run` on the tarball; returns its warnings and errors ([] when clean). A dummy token
 * stands in for a login, since a dry run never sends it but warns when there is none.
 */
export function dryRunProblems(tarball) {
  const r = spawnSync(
    'npm',
    ['publish', '--dry-run', tarball, '--//registry.npmjs.org/:_authToken=dry-run', '--no-audit', '--no-fund'],
    { encoding: 'utf8' },
  );
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /npm (warn|error|ERR)/i.test(l));
  return r.status === 0 ? lines : [`npm publish --dry-run exited ${r.status}`, ...lines];
}
