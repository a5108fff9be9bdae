/**
 * The training soak: an MLP (784-64-10 by default) with Adam, a maxNorm constraint on every weight and
 * clipNorm, trained on random batches, the loop written the obvious way (no tidy, no dispose). Every
 * `every` steps it samples core's live storages and bytes and the backend's own counts; after the first
 * sample they must not change (returns the samples and the failures).
 */
import { constraints, F, manualSeed, memory, nn, optim, randint, randn, setBackendSync } from '@cp/core';

/** A Sequential MLP with ReLU between the layers of `sizes`. */
export function mlp(sizes) {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new nn.Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) layers.push(new nn.ReLU());
  }
  return new nn.Sequential(...layers);
}

/** Adam with clipNorm over `model`, and maxNorm(2) registered on every weight. */
export function adamWithConstraints(model) {
  for (const [name, p] of model.namedParameters()) {
    if (name.endsWith('weight')) constraints.registerConstraint(p, constraints.maxNorm(2));
  }
  return new optim.Adam(model.parameters(), { lr: 1e-3, clipNorm: 1 });
}

/**
 * Live counts now: core's storages and bytes on backends named like `backend` (`memory().byBackend`), and
 * the backend's own handles, bytes and reserved bytes (`backend.stats()`, exact for this instance).
 */
export function sample(backend) {
  const core = memory().byBackend[backend.name] ?? { storages: 0, bytes: 0 };
  const b = backend.stats();
  return {
    storages: core.storages,
    bytes: core.bytes,
    handles: b.handles,
    backendBytes: b.bytes,
    reserved: b.reservedBytes,
  };
}

/** Runs the soak on `backend` (made current first); `onSample` sees each sample as it is taken. */
export function trainSoak({ backend, steps, every, sizes, batch, pool, onSample }) {
  setBackendSync(backend);
  const backendName = backend.name;
  manualSeed(0);
  const model = mlp(sizes);
  const opt = adamWithConstraints(model);
  // NOTE: a pool of random batches, made once, so the loop measures training rather than the RNG.
  const xs = Array.from({ length: pool }, () => randn([batch, sizes[0]]));
  const ys = Array.from({ length: pool }, () => randint(0, sizes.at(-1), [batch]));
  const samples = [];
  let loss = Number.NaN;
  let t = performance.now();
  for (let step = 1; step <= steps; step++) {
    const logits = model.call(xs[step % pool]);
    const l = F.crossEntropy(logits, ys[step % pool]);
    opt.zeroGrad();
    l.backward();
    opt.step();
    loss = l.item();
    if (step % every === 0) {
      const now = performance.now();
      const s = { step, loss, msPerStep: (now - t) / every, ...sample(backend) };
      samples.push(s);
      onSample?.(s);
      t = performance.now();
    }
  }
  const failures = [];
  const first = samples[0];
  for (const s of samples.slice(1)) {
    for (const key of ['storages', 'bytes', 'handles', 'backendBytes', 'reserved']) {
      if (s[key] > first[key])
        failures.push(
          `${backendName}: ${key} grew from ${first[key]} at step ${first.step} to ${s[key]} at step ${s.step}`,
        );
    }
  }
  if (!Number.isFinite(loss)) failures.push(`${backendName}: the loss is ${loss} at the end`);
  return { samples, failures };
}
