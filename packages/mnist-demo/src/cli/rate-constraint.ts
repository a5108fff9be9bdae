/**
 * `--rate-constraint`: the command-line side of the rate-constrained comparison (train/rate-constraint.ts).
 * Adds its options to the CLI's commander program, turns them into `RateSettings`, runs both trainings
 * (plain progress lines), prints the recall of the constrained digit with and without the floor, the
 * overall accuracy and the multiplier, and writes `rate-summary.json` into the output folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { useBackend } from '../backend.js';
import { type Digits, split } from '../data/digits.js';
import { loadMnist } from '../data/load-node.js';
import {
  DEFAULT_RATE_SETTINGS,
  type RateResult,
  type RateRun,
  type RateSettings,
  rateConstraintRuns,
} from '../train/rate-constraint.js';
import type { RunSettings } from '../train/settings.js';
import type { MainOptions } from './main.js';

function fraction(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0 && n < 1)) throw new InvalidArgumentError(`${name} must be a number in (0, 1)`);
    return n;
  };
}

/** Adds `--rate-constraint` and its settings to `program`. */
export function addRateOptions(program: Command): Command {
  const d = DEFAULT_RATE_SETTINGS;
  return program
    .option(
      '--rate-constraint',
      'train with a recall floor on the weakest digit (optim.Lagrangian, proxy-Lagrangian) and compare with the same run without it',
    )
    .option('--rate-floor <x>', 'the recall the constrained digit must reach', fraction('--rate-floor'), d.floor)
    .option(
      '--rate-digit <d>',
      'the digit to constrain (default: the weakest of the run without the floor, on the constraint set)',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 9) throw new InvalidArgumentError('--rate-digit must be a digit 0-9');
        return n;
      },
    )
    .option(
      '--dual-lr <x>',
      "the multiplier's ascent step",
      (v) => {
        const n = Number(v);
        if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('--dual-lr must be a positive number');
        return n;
      },
      d.dualLr,
    );
}

/** The `RateSettings` of parsed options, or null when `--rate-constraint` was not given. */
export function rateSettingsFrom(opts: Record<string, unknown>): RateSettings | null {
  if (!opts.rateConstraint) return null;
  return {
    ...DEFAULT_RATE_SETTINGS,
    floor: opts.rateFloor as number,
    dualLr: opts.dualLr as number,
    digit: (opts.rateDigit as number | undefined) ?? null,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** The comparison's lines: the constrained digit's recall, the weakest recall, the accuracy, the multiplier. */
export function rateLines(r: RateResult): string[] {
  const row = (label: string, f: (run: RateRun) => string) =>
    `  ${label.padEnd(44)} ${f(r.baseline).padStart(10)} ${f(r.constrained).padStart(10)}`;
  const minRecall = (run: RateRun) => Math.min(...run.heldOut.recall);
  return [
    `recall floor ${pct(r.floor)} on digit ${r.digit}, same seed:`,
    `  ${''.padEnd(44)} ${'without'.padStart(10)} ${'with'.padStart(10)}`,
    row(`recall of digit ${r.digit}, held-out`, (run) => pct(run.heldOut.recall[r.digit])),
    row(`recall of digit ${r.digit}, constraint set`, (run) => pct(run.constraintSet.recall[r.digit])),
    row('lowest recall of any digit, held-out', (run) => pct(minRecall(run))),
    row('overall accuracy, held-out', (run) => pct(run.heldOut.accuracy)),
    row('multiplier at the end (largest)', (run) =>
      run.constrained ? `${run.multiplier.toFixed(3)} (${run.maxMultiplier.toFixed(3)})` : '-',
    ),
    row('training time', (run) => `${run.seconds.toFixed(1)} s`),
  ];
}

/** Runs the comparison and prints it (on `data` when given, else the split of the MNIST digits); returns the exit code. */
export async function rateConstraintMain(
  settings: RunSettings,
  rate: RateSettings,
  options: MainOptions,
  data?: { train: Digits; heldOut: Digits },
): Promise<number> {
  const backend = await useBackend(options.backend);
  if (backend.fallback) say(`note: ${backend.fallback}`);
  const sets = data ?? split(await loadMnist(), { seed: settings.seed, heldOutFraction: settings.heldOutFraction });
  say(`cp MNIST with a rate constraint: MLP 784-256-128-10 on the ${backend.name} backend`);
  say(
    `  ${settings.epochs} epochs, batch ${settings.batch}, Adam lr ${settings.lr}, clipNorm ${settings.clipNorm}; optim.Lagrangian gda, dualLr ${rate.dualLr}`,
  );
  say(
    `  ${pct(rate.constraintFraction)} of the training digits are the constraint set (the proxy's data); ${sets.heldOut.count} held-out digits only report`,
  );
  let every = 1;
  const result = rateConstraintRuns(settings, rate, sets, {
    onRunStart(constrained, digit, steps) {
      every = Math.max(1, Math.floor(steps / 5));
      say();
      say(
        constrained
          ? `training with recall(digit ${digit}) >= ${rate.floor} (${steps} steps)`
          : `training without the rate constraint (${steps} steps)`,
      );
    },
    onStep(step, loss, multiplier) {
      if (step % every === 0) say(`  step ${step}: loss ${loss.toFixed(4)}, multiplier ${multiplier.toFixed(3)}`);
    },
  });
  say();
  for (const line of rateLines(result)) say(line);
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  await writeFile(
    join(out, 'rate-summary.json'),
    `${JSON.stringify({ settings, rate, backend: backend.name, digit: result.digit, floor: result.floor, baseline: result.baseline, constrained: result.constrained }, null, 2)}\n`,
  );
  say();
  say(`summary: ${join(options.out, 'rate-summary.json')}`);
  return 0;
}
