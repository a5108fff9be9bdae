/** The engines the bench knows: name → adapter module and variant, and which cp engine each peer is compared with. */

/** @type {Record<string, { module: string, variant: string, label: string }>} */
export const ENGINES = {
  'cp-js': { module: './engines/cp.mjs', variant: 'js', label: 'cp js' },
  'cp-wasm': { module: './engines/cp.mjs', variant: 'wasm', label: 'cp wasm' },
  'cp-wasm-threads': { module: './engines/cp.mjs', variant: 'wasm-threads', label: 'cp wasm threads' },
  // NOTE: a build of another checkout (CP_BENCH_BASELINE=/path/to/checkout), for before/after in one run.
  'cp-js-baseline': { module: './engines/cp.mjs', variant: 'js@baseline', label: 'cp js (baseline)' },
  'cp-wasm-baseline': { module: './engines/cp.mjs', variant: 'wasm@baseline', label: 'cp wasm (baseline)' },
  'cp-wasm-threads-baseline': {
    module: './engines/cp.mjs',
    variant: 'wasm-threads@baseline',
    label: 'cp wasm threads (baseline)',
  },
  'tfjs-cpu': { module: './engines/tfjs.mjs', variant: 'cpu', label: 'TF.js cpu' },
  'tfjs-wasm': { module: './engines/tfjs.mjs', variant: 'wasm', label: 'TF.js wasm' },
  'jax-wasm': { module: './engines/jax.mjs', variant: 'wasm', label: 'jax-js wasm' },
};

/** The ratios reported: [cp engine, peer]; a value > 1 means cp is faster. */
export const RATIOS = [
  ['cp-wasm-threads', 'cp-wasm'],
  ['cp-wasm-threads', 'jax-wasm'],
  ['cp-wasm', 'tfjs-wasm'],
  ['cp-wasm', 'jax-wasm'],
  ['cp-js', 'tfjs-cpu'],
];

/** cp engines (the constraints table runs only these). */
export const CP_ENGINES = ['cp-js', 'cp-wasm'];
