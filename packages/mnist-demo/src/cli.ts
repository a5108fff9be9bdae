#!/usr/bin/env node
/**
 * `cp-mnist`: the command line of the main job (the README's `npm start`). Parses the options with
 * commander and hands them to `main`; `--help` lists them.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { main } from './cli/main.js';
import { addRateOptions, rateMainFor, rateSettingsFrom } from './cli/rate-constraint.js';
import { DEFAULT_SETTINGS } from './train/settings.js';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

const d = DEFAULT_SETTINGS;
const program = new Command('cp-mnist')
  .description(
    'Train an MLP 784-256-128-10 on the MNIST digits of the `mnist` package, with constraints that hold after every step.',
  )
  .addOption(
    new Option('--backend <name>', 'backend to train on (wasm falls back to js if it cannot load)')
      .choices(['js', 'wasm'])
      .default('wasm'),
  )
  .option('--epochs <n>', 'passes over the training digits', positiveInt('--epochs'), d.epochs)
  .option('--batch <n>', 'mini-batch size', positiveInt('--batch'), d.batch)
  .option('--lr <x>', "Adam's learning rate", positiveNumber('--lr'), d.lr)
  .option(
    '--seed <n>',
    'seed of the split, the initialization and the shuffles',
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--seed must be a non-negative integer');
      return n;
    },
    d.seed,
  )
  .addOption(
    new Option('--constraints <mode>', 'train with the constraints, without, or both from the same seed')
      .choices(['on', 'off', 'compare'])
      .default(d.constraints),
  )
  .option(
    '--max-norm <x>',
    "bound on each hidden unit's incoming-weight L2 norm",
    positiveNumber('--max-norm'),
    d.maxNorm,
  )
  .option('--clip-norm <x>', 'bound on the global gradient L2 norm', positiveNumber('--clip-norm'), d.clipNorm)
  .option('--out <dir>', 'where the report and the checkpoint go', 'out/mnist')
  .showHelpAfterError();
addRateOptions(program);

program.parse();
const o = program.opts();
const rate = rateSettingsFrom(o);
const code = await (rate ? rateMainFor(rate) : main)(
  {
    epochs: o.epochs,
    batch: o.batch,
    lr: o.lr,
    seed: o.seed,
    constraints: o.constraints,
    maxNorm: o.maxNorm,
    clipNorm: o.clipNorm,
    heldOutFraction: d.heldOutFraction,
  },
  { backend: o.backend, out: o.out },
);
process.exitCode = code;
