/**
 * The model churn soak (wasm): makes `count` models of a few MB each (hidden widths drawn from a seeded set,
 * so block sizes vary and freed memory must be merged to be reused), trains each for a few steps with Adam,
 * maxNorm and clipNorm, then drops it (module and optimizer state disposed). Live storage must come back to
 * where it started after every model, and the reserved wasm memory must stop growing: its size after the
 * last model is no larger than when the largest model had first been seen. An allocation failure (the backend's limit) is
 * a failure of the soak too.
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
  // Memory may grow until the largest model has been seen; after that it must not.
  const warm = samples.find((s) => s.largestModelBytes === last.largestModelBytes);
  if (last.reserved > warm.reserved) {
    failures.push(
      `${backendName} churn: reserved memory grew from ${warm.reserved} bytes after model ${warm.model} to ${last.reserved} after model ${last.model}`,
    );
  }
  x.dispose();
  y.dispose();
  return { samples, failures };
}
