#!/usr/bin/env node
/**
 * `cp-mnist`: the command line of the main job (the README's `npm start`). Parses the options
 * (`cli/options.ts`, commander) and hands them to `main`, or to the rate-constrained comparison with
 * `--rate-constraint`; `--help` lists them.
 */
import { main } from './cli/main.js';
import { parseArgs } from './cli/options.js';
import { rateConstraintMain } from './cli/rate-constraint.js';

const args = parseArgs(process.argv.slice(2));
const options = { backend: args.backend, out: args.out };
process.exitCode = await (args.rate
  ? rateConstraintMain(args.models[0], args.rate, options)
  : main(args.models, { ...options, overhead: args.overhead }));
