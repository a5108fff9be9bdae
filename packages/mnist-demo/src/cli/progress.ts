/**
 * The per-epoch progress display: a `cli-progress` bar (steps, loss, accuracy, steps/s, ETA) on a
 * terminal, plain lines (a few per epoch) when stdout is not a TTY, e.g. in CI logs or a pipe.
 */
import cliProgress from 'cli-progress';
import type { EpochRecord, RunEvents } from '../train/run.js';
import type { StepStats } from '../train/trainer.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Running figures of the current epoch. */
class EpochTally {
  loss = 0;
  correct = 0;
  seen = 0;
  start = performance.now();

  add(s: StepStats): void {
    this.loss += s.loss * s.size;
    this.correct += s.correct;
    this.seen += s.size;
  }

  fields(step: number): { loss: string; acc: string; rate: string } {
    const secs = (performance.now() - this.start) / 1000;
    return {
      loss: (this.loss / this.seen).toFixed(4),
      acc: pct(this.correct / this.seen),
      rate: (step / Math.max(secs, 1e-9)).toFixed(0),
    };
  }
}

function epochLine(r: EpochRecord): string {
  return `  epoch ${r.epoch}: loss ${r.trainLoss.toFixed(4)}, train ${pct(r.trainAccuracy)}, held-out ${pct(r.heldOutAccuracy)} (${r.seconds.toFixed(1)} s)`;
}

/** Progress callbacks for a run of `epochs` epochs, written to `stream`. */
export function progressEvents(epochs: number, stream: NodeJS.WriteStream = process.stdout): RunEvents {
  let tally = new EpochTally();
  let total = 0;
  let current = 0;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          'epoch {epoch}/{epochs} {bar} {value}/{total} steps | loss {loss} | acc {acc} | {rate} steps/s | ETA {eta_formatted}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      onEpochStart(epoch, steps) {
        tally = new EpochTally();
        bar.start(steps, 0, { epoch, epochs, loss: '-', acc: '-', rate: '-' });
      },
      onStep(stats, step) {
        tally.add(stats);
        bar.update(step, tally.fields(step));
      },
      onEpochEnd(record) {
        bar.stop();
        stream.write(`${epochLine(record)}\n`);
      },
    };
  }
  return {
    onEpochStart(epoch, steps) {
      tally = new EpochTally();
      total = steps;
      current = epoch;
    },
    onStep(stats, step) {
      tally.add(stats);
      if (step % Math.ceil(total / 4) === 0 && step < total) {
        const f = tally.fields(step);
        const eta = ((total - step) / Number(f.rate)).toFixed(0);
        stream.write(
          `  epoch ${current}/${epochs} step ${step}/${total} | loss ${f.loss} | acc ${f.acc} | ${f.rate} steps/s | ETA ${eta}s\n`,
        );
      }
    },
    onEpochEnd(record) {
      stream.write(`${epochLine(record)}\n`);
    },
  };
}
