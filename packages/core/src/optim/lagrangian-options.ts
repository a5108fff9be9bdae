/**
 * The options of `optim.Lagrangian` and what it returns: the public types, and the one function that checks a
 * user's options (unknown keys with the nearest valid one, ranges) and fills in the defaults, so the class
 * holds only the algorithm.
 */
import type { ConstrainedProblem } from '../constraints/lagrangian/problem.js';
import { ArgumentError } from '../errors.js';
import type { LagrangianDualState } from './lagrangian-state.js';
import type { Optimizer, OptimizerStateDict } from './optimizer.js';
import { checkKeys, checkNumber, withContext } from './options.js';

/** How the Lagrangian's saddle point is sought (see docs/constraints.md). */
export type LagrangianMethod = 'gda' | 'extragradient' | 'augmented';

const METHODS: readonly LagrangianMethod[] = ['gda', 'extragradient', 'augmented'];

/** What `new optim.Lagrangian` takes. */
export interface LagrangianOptions {
  /** The optimizer of the parameters (any cp optimizer); it descends on the Lagrangian. */
  primal: Optimizer;
  /** Default 'gda'. */
  method?: LagrangianMethod;
  /** The multipliers' ascent step ('gda', 'extragradient'; default 0.01). */
  dualLr?: number;
  /** 'augmented': the initial penalty rho of every constraint (default 1); it is also the multipliers' step. */
  rho?: number;
  /** 'augmented': the factor rho grows by when a window's violation did not shrink enough (default 2). */
  rhoGrowth?: number;
  /** 'augmented': the window of the penalty schedule, in steps (default 10). */
  rhoEvery?: number;
  /** 'augmented': rho grows unless a window's mean violation is at most this fraction of the previous one's (default 0.9). */
  rhoTolerance?: number;
  /** 'augmented': rho never grows while a window's mean violation is at most this (default 1e-4: float32 noise). */
  rhoAtol?: number;
  /** 'augmented': rho never grows past this (default 1000). */
  rhoMax?: number;
}

/** What `step()` returns: numbers measured at the point the step started from. */
export interface LagrangianStepResult {
  /** The objective. */
  loss: number;
  /** Each constraint's `fn()`. */
  values: Record<string, number>;
  /** Each constraint's proxy (its `fn()` when it has none). */
  proxies: Record<string, number>;
  /** Each constraint's violation g, from the proxy (see `ConstraintKind`): what its multiplier was updated with. */
  violations: Record<string, number>;
  /** Each multiplier after the step. */
  multipliers: Record<string, number>;
  /** Each penalty rho after the step ('augmented'; the initial rho otherwise). */
  penalties: Record<string, number>;
  /** True when the primal optimizer skipped the step (`skipNonFinite`); then the multipliers did not move either. */
  skipped: boolean;
}

/** `Lagrangian.stateDict()`: the primal optimizer's state dict and the dual state. */
export interface LagrangianStateDict {
  primal: OptimizerStateDict;
  dual: LagrangianDualState;
}

/** The metadata key under which `Lagrangian.saveCheckpoint` stores the dual state. */
export const LAGRANGIAN_CHECKPOINT_KEY = 'lagrangian';

const OPTION_KEYS = ['primal', 'method', 'dualLr', 'rho', 'rhoGrowth', 'rhoEvery', 'rhoTolerance', 'rhoAtol', 'rhoMax'];

/** `LagrangianOptions` checked, with every default filled in. */
export type LagrangianSettings = Required<LagrangianOptions>;

/** Checks `options` for `problem` (throws an `ArgumentError` naming the problem and the key) and fills in the defaults. */
export function readLagrangianOptions(problem: ConstrainedProblem, options: LagrangianOptions): LagrangianSettings {
  const where = `optim.Lagrangian (problem '${problem?.name}')`;
  if (!problem || typeof problem._evaluate !== 'function') {
    throw new ArgumentError('optim.Lagrangian: the first argument must be a constraints.ConstrainedProblem');
  }
  if (options === null || typeof options !== 'object') {
    throw new ArgumentError(`${where}: options must be an object with at least 'primal'`);
  }
  checkKeys(where, Object.keys(options), OPTION_KEYS);
  const primal = options.primal as Optimizer | undefined;
  if (!primal || typeof primal.step !== 'function' || typeof primal.stateDict !== 'function') {
    throw new ArgumentError(`${where}: 'primal' must be a cp optimizer (e.g. new optim.Adam(model.parameters()))`);
  }
  const method = options.method ?? 'gda';
  if (!METHODS.includes(method)) {
    throw new ArgumentError(
      `${where}: unknown method ${JSON.stringify(method)}; use 'gda', 'extragradient' or 'augmented'`,
    );
  }
  const s: LagrangianSettings = {
    primal,
    method,
    dualLr: options.dualLr ?? 0.01,
    rho: options.rho ?? 1,
    rhoGrowth: options.rhoGrowth ?? 2,
    rhoEvery: options.rhoEvery ?? 10,
    rhoTolerance: options.rhoTolerance ?? 0.9,
    rhoAtol: options.rhoAtol ?? 1e-4,
    rhoMax: options.rhoMax ?? 1000,
  };
  withContext(where, () => {
    checkNumber('dualLr', 'dualLr', s.dualLr);
    checkNumber('rho', 'rho', s.rho);
    checkNumber('rhoGrowth', 'rhoGrowth', s.rhoGrowth, { min: 1 });
    checkNumber('rhoEvery', 'rhoEvery', s.rhoEvery, { min: 1, integer: true });
    checkNumber('rhoTolerance', 'rhoTolerance', s.rhoTolerance);
    checkNumber('rhoAtol', 'rhoAtol', s.rhoAtol);
    checkNumber('rhoMax', 'rhoMax', s.rhoMax, { min: s.rho });
  });
  if (!(s.dualLr > 0)) throw new ArgumentError(`${where}: dualLr must be > 0, got ${s.dualLr}`);
  if (!(s.rho > 0)) throw new ArgumentError(`${where}: rho must be > 0, got ${s.rho}`);
  return s;
}
