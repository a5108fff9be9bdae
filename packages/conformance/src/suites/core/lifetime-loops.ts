/**
 * The lifetime rule on the loops people write: each loop runs 2,000 times with no tidy and no dispose, never
 * yielding to the event loop (so garbage collection frees nothing), and live storage must be flat: the
 * count after the first iterations is the count at every later iteration. The loops: training, evaluation
 * under noGrad, inference in eval mode, a forward without backward, two models trained in turn, failed
 * steps (a throwing constraint, a failing forward, a failing loss), retainGrad, and all of them mixed.
 */
import * as cp from '@cp/core';
import { describe, expect, test } from 'vitest';
import type { SuiteContext } from '../../context.js';

const F = cp.nn.functional;
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
/** Iterations per loop (CP_LOOP_RUNS overrides). */
const ITERATIONS = Number(env.CP_LOOP_RUNS ?? 2000);
const WARMUP = 5;

interface Setup {
  model: cp.nn.Sequential;
  opt: cp.optim.Adam;
}

const setup = (): Setup => {
  const model = new cp.nn.Sequential(new cp.nn.Linear(12, 24), new cp.nn.ReLU(), new cp.nn.Linear(24, 4));
  return { model, opt: new cp.optim.Adam(model.parameters(), { lr: 1e-3 }) };
};

const LOOPS = [
  'training',
  'evaluation under noGrad',
  'inference in eval mode',
  'forward without backward',
  'two models trained in turn',
  'failed steps',
  'retainGrad',
] as const;

/** One iteration of each loop, written as a user would (the inputs are fixed, made once outside). */
function loops(x: cp.Tensor, y: cp.Tensor): Record<(typeof LOOPS)[number], (s: Setup, other: Setup) => void> {
  const trainStep = ({ model, opt }: Setup): number => {
    const loss = F.crossEntropy(model.call(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  const badX = cp.zeros([8, 5]);
  const badY = cp.full([8], 9, { dtype: 'int32' });
  return {
    training: (s) => void trainStep(s),
    'evaluation under noGrad': ({ model }) => void cp.noGrad(() => model.call(x).argmax(1).eq(y).float().mean().item()),
    'inference in eval mode': ({ model }) => {
      model.eval();
      model.call(x).softmax(1).toArray();
      model.train();
    },
    'forward without backward': ({ model }) => void F.crossEntropy(model.call(x), y).item(),
    'two models trained in turn': (a, b) => {
      const la = F.crossEntropy(a.model.call(x), y);
      a.opt.zeroGrad();
      la.backward();
      a.opt.step();
      const lb = F.crossEntropy(b.model.call(x), y);
      b.opt.zeroGrad();
      lb.backward();
      b.opt.step();
      expect(Number.isFinite(la.item() + lb.item())).toBe(true);
    },
    'failed steps': ({ model, opt }) => {
      expect(() => model.call(badX)).toThrow(cp.CpError);
      expect(() => F.crossEntropy(model.call(x), badY)).toThrow(cp.CpError);
      const loss = F.crossEntropy(model.call(x), y);
      loss.backward();
      let armed = false;
      const handle = (model.parameters()[0] as cp.nn.Parameter).registerConstraint((v) => {
        if (armed) throw new Error('this constraint fails once armed');
        return v;
      });
      armed = true;
      expect(() => opt.step()).toThrow(cp.CpError);
      handle.remove();
      opt.zeroGrad();
    },
    retainGrad: ({ model, opt }) => {
      const logits = model.call(x);
      logits.retainGrad();
      const loss = F.crossEntropy(logits, y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      expect(logits.grad!.shape).toEqual([8, 4]);
      logits.grad!.abs().sum().item();
    },
  };
}

/** Live storage on the backend under test after each loop. */
export function lifetimeLoopsSuite(ctx: SuiteContext): void {
  describe('lifetime: the everyday loops keep memory flat with no tidy or dispose', () => {
    const live = () => ctx.backend().stats().handles;
    const data = () => ({ x: cp.keep(cp.randn([8, 12])), y: cp.keep(cp.randint(0, 4, [8])) });

    for (const name of LOOPS) {
      test(`${name}: ${ITERATIONS} iterations leave live storage flat`, () => {
        const { x, y } = data();
        const body = loops(x, y)[name];
        const a = setup();
        const b = setup();
        let flat = 0;
        for (let i = 0; i < ITERATIONS; i++) {
          body(a, b);
          if (i === WARMUP) flat = live();
          if (i > WARMUP && live() !== flat)
            throw new Error(`${name}: ${live()} live handles at iteration ${i}, ${flat} at ${WARMUP}`);
        }
        expect(live()).toBe(flat);
      });
    }

    test(`every loop mixed on one model, in turn, for ${ITERATIONS} iterations leaves live storage flat`, () => {
      const { x, y } = data();
      const bodies = Object.values(loops(x, y));
      const a = setup();
      const b = setup();
      const samples: number[] = [];
      for (let i = 0; i < ITERATIONS; i++) {
        bodies[i % bodies.length](a, b);
        if (i % bodies.length === bodies.length - 1) samples.push(live());
      }
      expect(samples.slice(2).every((n) => n === samples[2])).toBe(true);
    });

    test('a tensor stays usable through the next iteration of its model and is then released with a clear error', () => {
      const { x, y } = data();
      const { model } = setup();
      const first = model.call(x);
      first.sum().item();
      const second = model.call(x);
      expect(first.toArray()).toEqual(first.toArray());
      const kept = cp.keep(second.mul(1));
      model.call(x).sum().item();
      model.call(x);
      expect(() => first.toArray()).toThrow(/released automatically.*Sequential's iteration 2.*keep\(t\)/);
      expect(second.isDisposed).toBe(true);
      expect(kept.shape).toEqual([8, 4]);
      expect(F.crossEntropy(model.call(x), y).item()).toBeGreaterThan(0);
    });

    test('calls with no result consumed in between are one iteration (a triplet loss keeps all three outputs)', () => {
      const { x } = data();
      const { model } = setup();
      for (let step = 0; step < 5; step++) {
        const [a, p, n] = [model.call(x), model.call(x.mul(2)), model.call(x.mul(3))];
        const loss = a.sub(p).square().sum().sub(a.sub(n).square().sum()).relu();
        loss.backward();
        expect(a.isDisposed || p.isDisposed || n.isDisposed).toBe(false);
      }
    });

    test('a graph still waiting for backward keeps what it needs across iterations (gradient accumulation)', () => {
      const { x, y } = data();
      const { model } = setup();
      let total: cp.Tensor | null = null;
      for (let micro = 0; micro < 6; micro++) {
        const loss = F.crossEntropy(model.call(x), y);
        loss.item();
        total = total ? total.add(loss) : loss;
      }
      total!.backward();
      const g = model.parameters()[0].grad!;
      expect(Number.isFinite(g.abs().sum().item())).toBe(true);
    });

    test('two models trained in turn can read each other’s results after both steps', () => {
      const { x, y } = data();
      const generator = new cp.nn.Sequential(new cp.nn.Linear(12, 12), new cp.nn.Tanh());
      const a = { model: generator, opt: new cp.optim.Adam(generator.parameters()) };
      const b = setup();
      for (let i = 0; i < 20; i++) {
        const fake = a.model.call(x);
        const lossB = F.crossEntropy(b.model.call(fake.detach()), y);
        b.opt.zeroGrad();
        lossB.backward();
        b.opt.step();
        const lossA = F.crossEntropy(b.model.call(fake), y);
        a.opt.zeroGrad();
        lossA.backward();
        a.opt.step();
        expect(Number.isFinite(lossA.item() + lossB.item() + fake.sum().item())).toBe(true);
      }
    });
  });
}
