#!/usr/bin/env node
/**
 * The architecture lint: `node tools/arch-check/src/main.mjs` (the lint target of @cp/arch-check runs it).
 * Fails (exit 1) on an import cycle outside the allowed ones and on a backend kernel called outside the
 * dispatch; prints the source files over 400 lines. `--root DIR` checks another workspace and `--config
 * FILE` reads other rules (the tests use both).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runChecks } from './checks.mjs';
import { formatReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    root: { type: 'string', default: join(here, '../../..') },
    config: { type: 'string', default: join(here, '../config.mjs') },
  },
});
const config = (await import(pathToFileURL(resolve(values.config)).href)).default;
try {
  const { text, ok } = formatReport(runChecks(resolve(values.root), config), config);
  process.stdout.write(text);
  process.exitCode = ok ? 0 : 1;
} catch (e) {
  // NOTE: the tool's own errors (a file that does not parse) say file and line; anything else is a bug: stack.
  process.stderr.write(`${e.message.startsWith('arch-check:') ? e.message : e.stack}\n`);
  process.exitCode = 1;
}
