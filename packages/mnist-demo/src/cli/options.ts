/**
 * The options of `cp-mnist` (commander) and how they become one `RunSettings` per model: `--model` picks
 * one model or `all`, each model starts from its own training defaults, and the options given override
 * them (for every model trained). Separate from `cli.ts` so tests can parse without running the job.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendName } from '../backend.js';
import { MODEL_NAMES, type ModelName } from '../models/spec.js';
import type { OverheadMode } from '../train/overhead.js';
import type { RateSettings } from '../train/rate-constraint.js';
import { type ConstraintsMode, type RunSettings, settingsFor } from '../train/settings.js';
import { addRateOptions, rateSettingsFrom } from './rate-constraint.js';

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

/** `mlp 10, cnn 8, ...`: a default that differs per model, for the help text. */
function perModel(pick: (d: RunSettings) => number | string): string {
  return `default per model: ${MODEL_NAMES.map((m) => `${m} ${pick(settingsFor(m))}`).join(', ')}`;
}

/** The `cp-mnist` command with every option (parse with `.parse()`; `.exitOverride()` in tests). */
export function createProgram(): Command {
  const program = new Command('cp-mnist')
    .description(
      'Train an MLP, a CNN, an LSTM or a patch transformer (or all four) on the MNIST digits of the `mnist` package, with constraints that hold after every step.',
    )
    .addOption(
      new Option('--model <name>', 'the model to train, or all four one after the other')
        .choices([...MODEL_NAMES, 'all'])
        .default('mlp'),
    )
    .addOption(
      new Option('--backend <name>', 'backend to train on (wasm falls back to js if it cannot load)')
        .choices(['js', 'wasm'])
        .default('wasm'),
    )
    .option('--epochs <n>', `passes over the training digits (${perModel((d) => d.epochs)})`, positiveInt('--epochs'))
    .option('--batch <n>', 'mini-batch size (default 64)', positiveInt('--batch'))
    .option('--lr <x>', `Adam's (peak) learning rate (${perModel((d) => d.lr)})`, positiveNumber('--lr'))
    .option('--seed <n>', 'seed of the split, the initialization and the shuffles (default 0)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--seed must be a non-negative integer');
      return n;
    })
    .addOption(
      new Option('--constraints <mode>', 'train with the constraints, without, or both from the same seed')
        .choices(['on', 'off', 'compare'])
        .default('on'),
    )
    .option(
      '--max-norm <x>',
      `bound of the per-unit (per-filter) maxNorm constraints (${perModel((d) => d.maxNorm)})`,
      positiveNumber('--max-norm'),
    )
    .option('--clip-norm <x>', 'bound on the global gradient L2 norm (default 1)', positiveNumber('--clip-norm'))
    .addOption(
      new Option(
        '--overhead <when>',
        "measure the per-step cost of the constraints: auto (only if it fits in 10% of the run's time, with fewer rounds for slow steps, else skipped), always (7 rounds of 3 steps per variant, however long), or off",
      )
        .choices(['auto', 'always', 'off'])
        .default('auto'),
    )
    .option('--out <dir>', 'where the report and the checkpoint go', 'out/mnist')
    .showHelpAfterError();
  return addRateOptions(program);
}

/** What a parsed command line asks for: the settings of each model to train, and where. */
export interface ParsedArgs {
  models: RunSettings[];
  backend: BackendName;
  out: string;
  /** When the job measures the constraint overhead. */
  overhead: OverheadMode;
  /** `--rate-constraint`'s settings (the MLP only), or null without it. */
  rate: RateSettings | null;
}

/** Parses `argv` (user arguments only, without `node` and the script) into the job's settings. */
export function parseArgs(argv: readonly string[], program: Command = createProgram()): ParsedArgs {
  program.parse(argv, { from: 'user' });
  const o = program.opts();
  const names: ModelName[] = o.model === 'all' ? [...MODEL_NAMES] : [o.model as ModelName];
  const models = names.map((m) =>
    settingsFor(m, {
      epochs: o.epochs,
      batch: o.batch,
      lr: o.lr,
      seed: o.seed,
      constraints: o.constraints as ConstraintsMode,
      maxNorm: o.maxNorm,
      clipNorm: o.clipNorm,
    }),
  );
  const rate = rateSettingsFrom(o);
  if (rate && names.some((m) => m !== 'mlp')) {
    program.error(`error: --rate-constraint trains the MLP only; it cannot be combined with --model ${o.model}`);
  }
  return {
    models,
    backend: o.backend as BackendName,
    out: o.out as string,
    overhead: o.overhead as OverheadMode,
    rate,
  };
}
