/**
 * The run's settings in the page's URL hash (`#backend=wasm&constraints=1&epochs=3&optimizer=adam&lr=0.001`),
 * so a result can be shared: the page writes the hash on every start and restores the controls from it on load.
 */
import { type BackendName, OPTIMIZER_NAMES, type OptimizerName } from '@cp/mnist-demo';

/** The settings a run is started with. */
export interface RunControls {
  backend: BackendName;
  constraints: boolean;
  epochs: number;
  optimizer: OptimizerName;
  lr: number;
}

/** The controls of a page opened without a hash. */
export const DEFAULT_CONTROLS: RunControls = {
  backend: 'wasm',
  constraints: true,
  epochs: 3,
  optimizer: 'adam',
  lr: 1e-3,
};

/** `c` as a URL hash (without the `#`). */
export function encodeControls(c: RunControls): string {
  return new URLSearchParams({
    backend: c.backend,
    constraints: c.constraints ? '1' : '0',
    epochs: String(c.epochs),
    optimizer: c.optimizer,
    lr: String(c.lr),
  }).toString();
}

/** The controls in `hash` (with or without the `#`); a missing or invalid value keeps its default. */
export function decodeControls(hash: string): RunControls {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const c = { ...DEFAULT_CONTROLS };
  const backend = q.get('backend');
  if (backend === 'wasm' || backend === 'js') c.backend = backend;
  if (q.has('constraints')) c.constraints = q.get('constraints') !== '0';
  const epochs = Number(q.get('epochs'));
  if (Number.isInteger(epochs) && epochs >= 1 && epochs <= 50) c.epochs = epochs;
  const optimizer = q.get('optimizer') as OptimizerName | null;
  if (optimizer && OPTIMIZER_NAMES.includes(optimizer)) c.optimizer = optimizer;
  const lr = Number(q.get('lr'));
  if (Number.isFinite(lr) && lr > 0 && lr < 10) c.lr = lr;
  return c;
}
