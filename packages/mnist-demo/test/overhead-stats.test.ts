// The overhead's statistics on known inputs: median and interquartile range, the sign always written,
// "within noise" exactly when the range spans 0, the per-round pairing against the unconstrained variant,
// and the plan that keeps the measurement within a tenth of the run (or skips it).
import { describe, expect, test } from 'vitest';
import { OVERHEAD_SHARE, pairedOverhead, planOverhead } from '../src/train/overhead.js';
import { signed, spread, spreadText } from '../src/train/spread.js';

describe('spread', () => {
  test('median and quartiles interpolate between order statistics', () => {
    expect(spread([5, 1, 3, 2, 4])).toEqual({ median: 3, q1: 2, q3: 4, withinNoise: false });
    expect(spread([1, 2, 3, 4])).toEqual({ median: 2.5, q1: 1.75, q3: 3.25, withinNoise: false });
    expect(spread([7])).toEqual({ median: 7, q1: 7, q3: 7, withinNoise: false });
  });

  test('a range that contains 0 is within noise, whatever the sign of the median', () => {
    expect(spread([-2, -1, 0.5, 1, 3]).withinNoise).toBe(true);
    expect(spread([-1, 0.5, 1, 2, 3]).withinNoise).toBe(false);
    expect(spread([-3, -2, -1, 0.5, 1]).withinNoise).toBe(true);
    expect(spread([-3, -2, -1.5, -1, -0.5]).withinNoise).toBe(false);
  });

  test('figures carry their sign and their range, and say when they are within noise', () => {
    expect(signed(0.391, 2)).toBe('+0.39');
    expect(signed(-1.2, 2)).toBe('-1.20');
    expect(signed(-0.001, 2)).toBe('0.00');
    expect(spreadText(spread([-3, -2, -1.5, -1, -0.5]), 1, '%')).toBe('-1.5% (IQR -2.0% to -1.0%)');
    expect(spreadText(spread([-2, -1, 0.5, 1, 3]), 2, ' ms')).toBe('+0.50 ms (IQR -1.00 ms to +1.00 ms, within noise)');
  });
});

describe('paired overhead', () => {
  test('each variant is its per-round median minus the same round of the unconstrained one', () => {
    // Three rounds: the machine slows down in round 2 for everyone; the paired difference stays +1 ms.
    const plain = [
      [10, 10],
      [20, 20],
      [10, 10],
    ];
    const slower = [
      [11, 11],
      [21, 21],
      [11, 11],
    ];
    const faster = [
      [9, 9],
      [21, 19],
      [11, 11],
    ];
    const o = pairedOverhead(['slower', 'mixed'], [plain, slower, faster]);
    expect(o.plainMs).toBe(10);
    const [s, m] = o.variants;
    expect(s).toMatchObject({ name: 'slower', ms: 11, overheadMs: 1, overheadPercent: 10 });
    expect(s.spreadMs).toEqual({ median: 1, q1: 1, q3: 1, withinNoise: false });
    expect(s.spreadPercent.q1).toBeCloseTo(7.5, 10);
    expect(m.overheadMs).toBe(0);
    expect(m.spreadMs).toMatchObject({ q1: -0.5, q3: 0.5, withinNoise: true });
  });
});

describe('the overhead plan', () => {
  test('fits the warm-up and every round of every variant in a tenth of the run', () => {
    for (const [runMs, stepMs, variants] of [
      [6000, 2.5, 5],
      [3000, 3, 5],
      [60_000, 150, 4],
      [300_000, 80, 4],
    ]) {
      const plan = planOverhead(runMs, stepMs, variants);
      expect(plan).not.toBeNull();
      const { rounds, stepsPerRound } = plan!;
      expect(rounds).toBeGreaterThanOrEqual(3);
      expect(rounds).toBeLessThanOrEqual(9);
      expect((rounds * stepsPerRound + 2) * variants * stepMs).toBeLessThanOrEqual(OVERHEAD_SHARE * runMs);
    }
    expect(planOverhead(6000, 2.5, 5)).toEqual({ rounds: 9, stepsPerRound: 5 });
  });

  test('is skipped when even 3 one-step rounds would take more (a huge batch: few, slow steps)', () => {
    // `--batch 100000`: one 8,000-digit step per epoch, ~300 ms each, 10 epochs in ~4 s.
    expect(planOverhead(4000, 300, 5)).toBeNull();
    expect(planOverhead(1000, 10, 5)).toBeNull();
  });
});
