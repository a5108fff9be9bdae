/**
 * Constraints on convolution and recurrent layers: per-filter norms of a `[out, in, kH, kW]` kernel
 * (`dim: [1, 2, 3]`), per-gate blocks of recurrent weights (`C.chunk`, `C.perGate`: each `[H, H]` block of an
 * LSTM's or GRU's `weight_hh_l0` orthogonal), nonNeg on a convolution, gradient-norm clipping of an LSTM, and
 * the report naming each slice. Every check recomputes the property in float64 from the weights' data.
 */
import * as cp from '@cp/core';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { optimizerArb } from './enforcement.js';
import { bits, param, sameBits } from './helpers.js';

const C = cp.constraints;
const { nn } = cp;
type P = cp.nn.Parameter;

/** The float64 L2 norm of each row of `t` viewed as `[rows, size / rows]`. */
function rowNorms(t: cp.Tensor, rows: number): number[] {
  const d = t.dataSync();
  const n = d.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += d[r * n + j] ** 2;
    return Math.sqrt(s);
  });
}

/** max |BᵀB − I| in float64 for each `[h, cols]` row block of the matrix `t` (`[blocks·h, cols]`, h ≥ cols). */
function blockGramErrors(t: cp.Tensor, blocks: number): number[] {
  const [rows, cols] = t.shape;
  const h = rows / blocks;
  const d = t.dataSync();
  return Array.from({ length: blocks }, (_, b) => {
    let worst = 0;
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let r = 0; r < h; r++) s += d[(b * h + r) * cols + i] * d[(b * h + r) * cols + j];
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    return worst;
  });
}

const optimizers: [string, (ps: P[]) => cp.optim.Optimizer][] = [
  ['SGD momentum', (ps) => new cp.optim.SGD(ps, { lr: 0.5, momentum: 0.9, nesterov: true })],
  ['Adam', (ps) => new cp.optim.Adam(ps, { lr: 0.1 })],
  ['AdamW', (ps) => new cp.optim.AdamW(ps, { lr: 0.1, weightDecay: 0.01 })],
  ['RMSprop', (ps) => new cp.optim.RMSprop(ps, { lr: 0.05, momentum: 0.5 })],
  ['Adagrad', (ps) => new cp.optim.Adagrad(ps, { lr: 0.5 })],
];

/** Constraints on the layers of issue 10, on the backend under test. */
export function layerConstraintsSuite(ctx: SuiteContext): void {
  describe('constraints: per-slice and per-block constraints on conv and recurrent layers', () => {
    test('C.chunk projects each block on its own, exactly and idempotently, along any dim, and round-trips', () =>
      cp.tidy(() => {
        const x = cp.tensor([
          [3, 4, 0],
          [0, 0, 0],
          [0.1, 0, 0],
          [0, 0.2, 0],
        ]);
        // Two [2, 3] blocks: the first has norm 5 (scaled to 1), the second is inside (kept bit for bit).
        const c = C.chunk(C.maxNorm(1), 2);
        const y = c.project(x);
        const perBlock = cp.cat([C.maxNorm(1).project(x.narrow(0, 0, 2)), C.maxNorm(1).project(x.narrow(0, 2, 2))], 0);
        expect(sameBits(bits(y), bits(perBlock))).toBe(true);
        expect(Array.from(y.dataSync()).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([
          0.6, 0.8, 0, 0, 0, 0, 0.1, 0, 0, 0, 0.2, 0,
        ]);
        expect(sameBits(bits(y.narrow(0, 2, 2)), bits(x.narrow(0, 2, 2)))).toBe(true);
        expect(sameBits(bits(c.project(y)), bits(y))).toBe(true);
        expect(c.check(y).ok).toBe(true);
        expect(c.check(x).maxViolation).toBeCloseTo(4, 5);
        // Along dim 1: three [4, 1] column blocks; columns 0 and 1 have norms above 1, column 2 is zero.
        const byCol = C.chunk(C.maxNorm(1), 3, { dim: 1 }).project(x);
        const colNorms = rowNorms(byCol.transpose(0, 1).contiguous(), 3);
        expect(colNorms.map((n, k) => Math.abs(n - [1, 1, 0][k]) < 1e-6)).toEqual([true, true, true]);
        const back = C.fromSpec(JSON.parse(JSON.stringify(C.perGate(C.maxNorm(1, { dim: 1 }), 'gru').toSpec())));
        expect(String(back)).toBe('chunk(maxNorm(max=1, dim=1), chunks=3, dim=0, labels=["gate r","gate z","gate n"])');
        const z = cp.randn([6, 2], { generator: new cp.Generator(1) }).mul(3);
        expect(sameBits(bits(back.project(z)), bits(C.perGate(C.maxNorm(1, { dim: 1 }), 'gru').project(z)))).toBe(true);
        const p = param(new Float32Array(15), [5, 3]);
        expect(() => p.registerConstraint(C.chunk(C.maxNorm(1), 2))).toThrow(
          /size 5, which does not split into 2 equal/,
        );
        expect(() => C.chunk(C.maxNorm(1), 2, { labels: ['a'] })).toThrow(/labels must be 2 strings/);
        expect(() => C.chunk(C.maxNorm(1), 0)).toThrow(/positive integer/);
        expect(() => C.perGate(C.maxNorm(1), 'transformer' as 'lstm')).toThrow(/'lstm', 'gru' or 'rnn'/);
      }));

    test('maxNorm per conv filter (dim [1, 2, 3]) holds after every step of several optimizers, and binds', () => {
      for (const [label, make] of optimizers) {
        cp.manualSeed(11);
        const conv = new nn.Conv2d(3, 6, 3, { padding: 1 });
        conv.registerConstraint('weight', C.maxNorm(0.4, { dim: [1, 2, 3] }));
        expect(Math.max(...rowNorms(conv.weight, 6))).toBeLessThanOrEqual(0.4 * (1 + 1e-6));
        const x = cp.randn([2, 3, 5, 5]);
        const opt = make(conv.parameters());
        for (let s = 0; s < 5; s++) {
          opt.zeroGrad();
          cp.tidy(() => conv.call(x).square().mean().neg().backward());
          opt.step();
          const norms = rowNorms(conv.weight, 6);
          expect(Math.max(...norms), `${label} step ${s + 1}`).toBeLessThanOrEqual(0.4 * (1 + 1e-6));
        }
        // The loss grows every filter, so after a few steps they all sit on the bound.
        expect(Math.min(...rowNorms(conv.weight, 6)), label).toBeGreaterThan(0.4 * (1 - 1e-4));
        opt.zeroGrad();
        conv.dispose();
      }
    });

    test('the report names each conv filter, and the filter that violates its bound', () => {
      cp.manualSeed(2);
      const m = new nn.Sequential(new nn.Conv2d(2, 4, 3));
      m.registerConstraint('0.weight', C.maxNorm(1, { dim: [1, 2, 3] }));
      const [entry] = m.constraintReport();
      expect(entry.slices?.map((s) => [s.name, s.ok])).toEqual([
        ['0.weight[0]', true],
        ['0.weight[1]', true],
        ['0.weight[2]', true],
        ['0.weight[3]', true],
      ]);
      const w = m.getParameter('0.weight');
      cp.noGrad(() => w.copy_(w.mul(cp.tensor([1, 1, 1, 40]).reshape([4, 1, 1, 1]))));
      const after = m.constraintReport()[0];
      expect(after.ok).toBe(false);
      expect(after.slices!.filter((s) => !s.ok).map((s) => s.name)).toEqual(['0.weight[3]']);
      expect(after.slices![3].maxViolation).toBeCloseTo(after.maxViolation, 5);
      // A column-wise bound is named as PyTorch indexes a column.
      const lin = new nn.Linear(3, 2);
      lin.registerConstraint('weight', C.maxNorm(1, { dim: 0 }));
      expect(lin.constraintReport()[0].slices?.map((s) => s.name)).toEqual([
        'weight[:, 0]',
        'weight[:, 1]',
        'weight[:, 2]',
      ]);
      m.dispose();
      lin.dispose();
    });

    test('orthogonal per LSTM gate block: each [H, H] block of weight_hh_l0 stays orthogonal, in both modes', () => {
      for (const mode of ['project', 'reparametrize'] as const) {
        for (const [label, make] of optimizers.slice(0, 3)) {
          cp.manualSeed(4);
          const lstm = new nn.LSTM(3, 5);
          const w = lstm.getParameter('weight_hh_l0');
          lstm.registerConstraint('weight_hh_l0', C.perGate(C.orthogonal(), 'lstm'), { mode });
          const x = cp.randn([4, 2, 3]);
          const target = cp.randn([4, 2, 5]);
          const opt = make(lstm.parameters());
          for (let s = 0; s < 4; s++) {
            opt.zeroGrad();
            cp.tidy(() => lstm.call(x)[0].sub(target).square().sum().backward());
            opt.step();
            const errs = blockGramErrors(w, 4);
            expect(Math.max(...errs), `${mode} ${label} step ${s + 1}`).toBeLessThan(2e-5);
          }
          // Per block, not the whole matrix: the [20, 5] weight's Gram matrix is the sum of four identities.
          expect(blockGramErrors(w, 1)[0]).toBeGreaterThan(2.9);
          opt.zeroGrad();
          lstm.dispose();
        }
      }
    });

    test('orthogonal per GRU gate block, and the report names the gates', () => {
      cp.manualSeed(6);
      const gru = new nn.GRU(4, 3);
      gru.registerConstraint('weight_hh_l0', C.perGate(C.orthogonal(), 'gru'));
      const opt = new cp.optim.Adam(gru.parameters(), { lr: 0.1 });
      const x = cp.randn([3, 2, 4]);
      for (let s = 0; s < 3; s++) {
        opt.zeroGrad();
        cp.tidy(() => gru.call(x)[0].square().sum().neg().backward());
        opt.step();
        expect(Math.max(...blockGramErrors(gru.getParameter('weight_hh_l0'), 3))).toBeLessThan(2e-5);
      }
      const entry = gru.constraintReport()[0];
      expect(entry.constraint).toBe('chunk(orthogonal(), chunks=3, dim=0, labels=["gate r","gate z","gate n"])');
      expect(entry.slices?.map((s) => [s.name, s.ok])).toEqual([
        ['weight_hh_l0[gate r]', true],
        ['weight_hh_l0[gate z]', true],
        ['weight_hh_l0[gate n]', true],
      ]);
      // A block spoiled by hand is the one the report flags; unlabelled blocks are named by range.
      const w = gru.getParameter('weight_hh_l0');
      cp.noGrad(() => w.copy_(w.mul(cp.tensor([1, 1, 1, 2, 2, 2, 1, 1, 1]).reshape([9, 1]))));
      expect(
        gru
          .constraintReport()[0]
          .slices!.filter((s) => !s.ok)
          .map((s) => s.name),
      ).toEqual(['weight_hh_l0[gate z]']);
      const plain = new nn.RNN(2, 2);
      plain.registerConstraint('weight_hh_l0', C.chunk(C.maxNorm(1, { dim: 1 }), 2));
      expect(plain.constraintReport()[0].slices?.map((s) => s.name)).toEqual([
        'weight_hh_l0[block 1 of 2 (0:1)][0]',
        'weight_hh_l0[block 2 of 2 (1:2)][0]',
      ]);
      opt.zeroGrad();
      gru.dispose();
      plain.dispose();
    });

    test('nonNeg on a conv layer: weight and bias stay >= 0 after every step, with some entries at 0', () => {
      cp.manualSeed(8);
      const conv = new nn.Conv2d(2, 4, 3, { weightConstraint: C.nonNeg(), biasConstraint: C.nonNeg() });
      expect(conv.constraintReport().map((e) => [e.name, e.ok])).toEqual([
        ['weight', true],
        ['bias', true],
      ]);
      const x = cp.randn([2, 2, 6, 6]);
      const target = cp.randn([2, 4, 4, 4]);
      for (const [label, make] of optimizers) {
        const opt = make(conv.parameters());
        for (let s = 0; s < 3; s++) {
          opt.zeroGrad();
          cp.tidy(() => conv.call(x).sub(target).square().mean().backward());
          opt.step();
          for (const p of [conv.weight, conv.bias!])
            expect(Math.min(...Array.from(p.dataSync())), `${label} step ${s + 1}`).toBeGreaterThanOrEqual(0);
        }
        opt.zeroGrad();
      }
      expect(Array.from(conv.weight.dataSync()).filter((v) => v === 0).length).toBeGreaterThan(0);
      conv.dispose();
    });

    test('check(value, { slices: true }) names each slice and its violation', () =>
      cp.tidy(() => {
        const w = cp.tensor([
          [3, 4],
          [0.3, 0.4],
          [0, 2],
        ]);
        const r = C.maxNorm(1, { dim: 1 }).check(w, { slices: true });
        expect(r.ok).toBe(false);
        expect(r.slices?.map((s) => [s.label, s.ok])).toEqual([
          ['[0]', false],
          ['[1]', true],
          ['[2]', false],
        ]);
        expect(r.slices![0].maxViolation).toBeCloseTo(4, 5);
        expect(r.slices![2].maxViolation).toBeCloseTo(1, 5);
        expect(C.maxNorm(1).check(w, { slices: true }).slices).toBeUndefined();
        expect(C.maxNorm(1, { dim: 1 }).check(w).slices).toBeUndefined();
        const batch = C.orthogonal().check(cp.stack([cp.eye(2), cp.eye(2).mul(2)]), { slices: true });
        expect(batch.slices?.map((s) => [s.label, s.ok])).toEqual([
          ['[0]', true],
          ['[1]', false],
        ]);
      }));

    test('property: chunked constraints hold per block after every step of every optimizer, in both modes', () => {
      const inner = fc.constantFrom(
        { label: 'maxNorm(0.5, dim 1)', make: () => C.maxNorm(0.5, { dim: 1 }), reparam: true },
        { label: 'l1Ball(1)', make: () => C.l1Ball(1), reparam: false },
        { label: 'simplex', make: () => C.simplex(), reparam: true },
        { label: 'orthogonal', make: () => C.orthogonal(), reparam: true },
        { label: 'nonNeg', make: () => C.nonNeg(), reparam: true },
      );
      const arb = fc.record({
        blocks: fc.integer({ min: 1, max: 4 }),
        h: fc.integer({ min: 1, max: 3 }),
        cols: fc.integer({ min: 1, max: 3 }),
        inner,
        reparam: fc.boolean(),
        opt: optimizerArb,
        steps: fc.integer({ min: 1, max: 4 }),
        seed: fc.integer({ min: 0, max: 1000 }),
      });
      fc.assert(
        fc.property(arb, ({ blocks, h, cols, inner: c, reparam, opt, steps, seed }) =>
          cp.tidy(() => {
            const rows = blocks * Math.max(h, c.label === 'orthogonal' ? cols : 1);
            const gen = new cp.Generator(seed);
            const p = new cp.nn.Parameter(cp.randn([rows, cols], { generator: gen }).add(0.5));
            const mode = reparam && c.reparam ? 'reparametrize' : 'project';
            p.registerConstraint(C.chunk(c.make(), blocks), { mode });
            const target = cp.randn([rows, cols], { generator: gen }).mul(3);
            const o = opt.make([p]);
            for (let s = 0; s < steps; s++) {
              o.zeroGrad();
              cp.tidy(() => p.sub(target).square().sum().backward());
              o.step();
              for (let b = 0; b < blocks; b++) {
                const block = p.narrow(0, (b * rows) / blocks, rows / blocks);
                const r = c.make().check(block);
                expect(
                  r.ok,
                  `${c.label} ${mode} block ${b} of ${blocks} with ${opt.label}, step ${s + 1}: ${r.maxViolation}`,
                ).toBe(true);
              }
            }
            o.zeroGrad();
          }),
        ),
        { numRuns: Math.max(8, Math.floor(ctx.numRuns / 3)), seed: ctx.seed },
      );
    });

    test('clipGradNorm on an LSTM: the clipped global norm equals the bound when it binds, and training converges', () => {
      cp.manualSeed(9);
      const lstm = new nn.LSTM(3, 8);
      const head = new nn.Linear(8, 1);
      const params = [...lstm.parameters(), ...head.parameters()];
      const x = cp.randn([6, 8, 3]);
      const target = cp.randn([8, 1]);
      const lossOf = () => nn.functional.mseLoss(head.call(lstm.call(x)[0].narrow(0, 5, 1).reshape([8, 8])), target);
      const globalNorm = () => Math.sqrt(params.reduce((a, p) => a + rowNorms(p.grad!, 1)[0] ** 2, 0));
      const opt = new cp.optim.Adam(params, { lr: 0.03 });
      const first = cp.tidy(() => lossOf().item());
      let last = first;
      for (let s = 0; s < 40; s++) {
        opt.zeroGrad();
        const loss = lossOf();
        last = loss.item();
        loss.backward();
        const before = globalNorm();
        const max = 0.05;
        const total = nn.utils.clipGradNorm(params, max);
        expect(total).toBeCloseTo(before, 4);
        if (before > max) expect(Math.abs(globalNorm() - max)).toBeLessThanOrEqual(1e-5 * max + 2e-6);
        else expect(globalNorm()).toBeCloseTo(before, 6);
        opt.step();
      }
      expect(last).toBeLessThan(0.7 * first);
      opt.zeroGrad();
      lstm.dispose();
      head.dispose();
    });
  });
}
