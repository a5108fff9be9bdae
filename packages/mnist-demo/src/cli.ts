#!/usr/bin/env node
/**
 * `cp-mnist`: the command line of the main job (the README's `npm start`). Parses the options
 * (`cli/options.ts`, commander) and hands them to `main`; `--help` lists them.
 */
import { main } from './cli/main.js';
import { parseArgs } from './cli/options.js';

const args = parseArgs(process.argv.slice(2));
process.exitCode = await main(args.models, { backend: args.backend, out: args.out });
