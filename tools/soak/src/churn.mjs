/**
 * The model churn soak (wasm): makes `count` models of a few MB each (hidden widths drawn from a seeded set,
 * so block sizes vary and freed memory must be merged to be reused), trains each for a few steps with Adam,
 * maxNorm and clipNorm, then drops it (module and optimizer state disposed). Live storage must come back to
 * where it started after every model, and the reserved wasm memory must stay bounded: no allocation ever
 * fails under a limit about 3.5 times the largest model's own bytes (the old allocator, which never merged
 * freed blocks, needed 7.5 times), and the last fifth of the models adds nothing to it.
 *
 * NOTE: reserved memory may still grow in the first part of the run, while the mix of block sizes settles:
 * with the same workload it reached the same 58.9 MB plateau once by model 50 and once by model 400,
 * depending on where each step's temporaries landed. Growth late in the run is what a leak looks like.
 */
import { F, randint, randn, setBackendSync, tidy } from '@cp/core';
import { adamWithConstraints, mlp, sample } from './train.mjs';

const WIDTHS = [256, 320, 384, 448, 512, 640, 768];

/** Runs the churn on `backend` (made current first); `onSample` sees a sample every `every` models. */
export function churnSoak({ backend, count, every, steps, batch, onSample }) {
  setBackendSync(backend);
  const backendName = backend.name;
  let seed = 12345;
  const pick = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return WIDTHS[seed % WIDTHS.length];
  };
  const x = randn([batch, 784]);
  const y = randint(0, 10, [batch]);
  const base = sample(backend);
  const samples = [];
  const failures = [];
  let largestModelBytes = 0;
  const t0 = performance.now();
  for (let i = 1; i <= count; i++) {
    const sizes = [784, pick(), pick(), 10];
    const model = mlp(sizes);
    const opt = adamWithConstraints(model);
    for (let s = 0; s < steps; s++) {
      tidy(() => {
        const loss = F.crossEntropy(model.call(x), y);
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
    largestModelBytes = Math.max(largestModelBytes, sample(backend).backendBytes - base.backendBytes);
    model.dispose();
    opt.dispose();
    const now = sample(backend);
    if (now.handles !== base.handles || now.backendBytes !== base.backendBytes) {
      failures.push(
        `${backendName} churn: after model ${i}, ${now.handles} handles / ${now.backendBytes} bytes live, expected ${base.handles} / ${base.backendBytes}`,
      );
    }
    if (i % every === 0) {
      const s = {
        model: i,
        sizes: sizes.join('-'),
        largestModelBytes,
        seconds: (performance.now() - t0) / 1000,
        ...now,
      };
      samples.push(s);
      onSample?.(s);
    }
  }
  const last = samples.at(-1);
  // Memory may grow while the block sizes settle; over the last fifth of the models it must not.
  const warm = samples.findLast((s) => s.model <= count * 0.8) ?? samples[0];
  if (last.reserved > warm.reserved) {
    failures.push(
      `${backendName} churn: reserved memory grew from ${warm.reserved} bytes after model ${warm.model} to ${last.reserved} after model ${last.model}`,
    );
  }
  x.dispose();
  y.dispose();
  return { samples, failures };
}
