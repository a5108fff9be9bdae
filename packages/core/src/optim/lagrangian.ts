/**
 * `Lagrangian`: solves a `constraints.ConstrainedProblem` by descent on the parameters (through any cp
 * optimizer, the "primal") and projected ascent on one multiplier per constraint. A multiplier is a cp
 * `Parameter` of shape [1], registered with `constraints.nonNeg()` for 'le'/'ge' constraints (free for 'eq'),
 * and updated by an `SGD` with `maximize` (one group per constraint), so cp's own update path and registry keep
 * it feasible. Methods: 'gda' (simultaneous gradient descent-ascent), 'extragradient' and 'augmented'
 * (augmented Lagrangian with a penalty schedule). The semantics, precisely: docs/constraints.md
 * ("Constraints on functions of the parameters"). A step is all or nothing: a failure leaves parameters,
 * multipliers and both optimizers' state as they were.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Backend } from '../backend/backend.js';
import { nonNeg } from '../constraints/builtins/bounds.js';
import type { ConstraintStepRecord } from '../constraints/lagrangian/history.js';
import type { ConstrainedProblem, ConstraintKind, Evaluation } from '../constraints/lagrangian/problem.js';
import { ArgumentError } from '../errors.js';
import {
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  type SaveCheckpointOptions,
  saveCheckpoint,
} from '../io/checkpoint.js';
import { readJson } from '../io/checkpoint-format.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { Parameter } from '../nn/parameter.js';
import { tensor } from '../tensor/creation.js';
import { type Command, driveAsync, driveSync, type StepProgram } from './lagrangian-drive.js';
import {
  LAGRANGIAN_CHECKPOINT_KEY,
  type LagrangianMethod,
  type LagrangianOptions,
  type LagrangianStateDict,
  type LagrangianStepResult,
  readLagrangianOptions,
} from './lagrangian-options.js';
import { type LagrangianDualState, type PenaltyWindow, Snapshot, validateDualState } from './lagrangian-state.js';
import { backwardLagrangian, type Measured, measure, readScalars } from './lagrangian-terms.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

export {
  LAGRANGIAN_CHECKPOINT_KEY,
  type LagrangianMethod,
  type LagrangianOptions,
  type LagrangianStateDict,
  type LagrangianStepResult,
} from './lagrangian-options.js';
export type { LagrangianDualState, PenaltyWindow } from './lagrangian-state.js';

/** Solves a `ConstrainedProblem`: primal descent on the Lagrangian, projected dual ascent on the multipliers. */
export class Lagrangian {
  /** The problem being solved. */
  readonly problem: ConstrainedProblem;
  /** The parameters' optimizer. */
  readonly primal: Optimizer;
  readonly method: LagrangianMethod;
  readonly dualLr: number;
  readonly rhoGrowth: number;
  readonly rhoEvery: number;
  readonly rhoTolerance: number;
  readonly rhoAtol: number;
  readonly rhoMax: number;
  /** The multipliers' optimizer (made at the first step, with the multipliers). */
  private dual: SGD | null = null;
  private params: Parameter[] | null = null;
  /** The multipliers' values as last read (exact float32 values), in `problem.names` order. */
  private lambda: number[];
  private rho: number[];
  private windows: PenaltyWindow[];
  private steps = 0;
  private readonly kinds: ConstraintKind[];

  /** Checks the options (unknown keys, ranges); errors name the problem. */
  constructor(problem: ConstrainedProblem, options: LagrangianOptions) {
    const { primal, method, dualLr, rho, ...schedule } = readLagrangianOptions(problem, options);
    this.rhoGrowth = schedule.rhoGrowth;
    this.rhoEvery = schedule.rhoEvery;
    this.rhoTolerance = schedule.rhoTolerance;
    this.rhoAtol = schedule.rhoAtol;
    this.rhoMax = schedule.rhoMax;
    problem._attach(this);
    this.problem = problem;
    this.primal = primal;
    this.method = method;
    this.dualLr = dualLr;
    this.kinds = problem.names.map((n) => problem.constraints[n].kind);
    this.lambda = problem.names.map(() => 0);
    this.rho = problem.names.map(() => rho);
    this.windows = problem.names.map(() => ({ sum: 0, count: 0, previous: null }));
  }

  /** Each multiplier's current value. */
  multipliers(): Record<string, number> {
    return this.byName(this.lambda);
  }

  /** The multiplier of constraint `name` as a cp parameter (null before the first step, which makes it). */
  multiplier(name: string): Parameter | null {
    const i = this.indexOf(name);
    return this.params ? this.params[i] : null;
  }

  /**
   * One step: evaluate the objective and constraints, backward through the Lagrangian, primal descent and dual
   * ascent (see the method). All or nothing. On a backend that cannot read synchronously, use `stepAsync()`.
   */
  step(): LagrangianStepResult {
    return driveSync(this.program('Lagrangian.step'), 'await lagrangian.stepAsync()');
  }

  /** `step()` with every read and optimizer step awaited; the same code, the same results. */
  stepAsync(): Promise<LagrangianStepResult> {
    return driveAsync(this.program('Lagrangian.stepAsync'));
  }

  // ---- the step ---------------------------------------------------------------------------------------

  private *program(op: string): StepProgram<LagrangianStepResult> {
    const ev = this.problem._evaluate(op);
    const m = yield* measure(this.problem, op, ev);
    yield* this.ensureMultipliers(ev.objective.backend);
    const dual = this.dual!;
    if (this.method === 'augmented') {
      for (const [i, g] of dual.paramGroups.entries()) g.lr = this.rho[i];
    }
    const primalSnap = this.method === 'extragradient' ? new Snapshot(this.primal, this.primal.parameters()) : null;
    const dualSnap = new Snapshot(dual, this.params!);
    try {
      this.backward(ev, this.lambda, m.violations);
      this.setDualGrads(m.violations);
      if (primalSnap) {
        // Extrapolation from (x_t, λ_t) to (x', λ'), then the update from (x_t, λ_t) with the gradients at (x', λ').
        yield { kind: 'step', opt: dual };
        yield { kind: 'step', opt: this.primal };
        const lambdaHalf = yield* this.readMultipliers(op);
        const ev2 = this.problem._evaluate(op);
        const m2 = yield* measure(this.problem, op, ev2);
        this.backward(ev2, lambdaHalf, m2.violations);
        this.setDualGrads(m2.violations);
        primalSnap.restore();
        dualSnap.restore();
      }
      yield { kind: 'step', opt: dual };
      const lambda = yield* this.readMultipliers(op);
      yield { kind: 'step', opt: this.primal };
      if (this.primal.lastStepSkipped) {
        dualSnap.restore();
        primalSnap?.restore();
        return this.result(m, this.lambda, true);
      }
      return this.finish(m, lambda);
    } catch (e) {
      primalSnap?.restore();
      dualSnap.restore();
      throw e;
    } finally {
      primalSnap?.dispose();
      dualSnap.dispose();
    }
  }

  /** Makes the multipliers and their optimizer on `backend` (the first step), registering nonNeg for 'le'/'ge'. */
  private *ensureMultipliers(backend: Backend): Generator<Command, void, unknown> {
    if (this.params) return;
    const params = this.lambda.map((v) => new Parameter(tensor([v], { backend })));
    for (let i = 0; i < params.length; i++) {
      if (this.kinds[i] !== 'eq') yield { kind: 'register', param: params[i], constraint: nonNeg() };
    }
    this.dual = new SGD(
      params.map((p) => ({ params: [p], lr: this.dualLr })),
      { lr: this.dualLr, maximize: true },
    );
    this.params = params;
  }

  /**
   * Backward into the primal parameters' gradients (zeroed first) through f + sum c_i·g_i: c_i = λ_i ('gda',
   * 'extragradient'), or the augmented Lagrangian's c_i = max(0, λ_i + rho_i·v_i) ('le'/'ge'; λ_i + rho_i·v_i
   * for 'eq'), with v_i the proxy's violation (`violations`).
   */
  private backward(ev: Evaluation, lambda: readonly number[], violations: readonly number[]): void {
    // NOTE: without a proxy, max(0, λ + rho·g)·∇g is the gradient of the augmented term
    // (rho/2)(max(0, g + λ/rho)² - (λ/rho)²); with one, the weight comes from the proxy, as in the dual step.
    const weights = lambda.map((l, i) => {
      if (this.method !== 'augmented') return l;
      const w = l + this.rho[i] * violations[i];
      return this.kinds[i] === 'eq' ? w : Math.max(0, w);
    });
    this.primal.zeroGrad();
    backwardLagrangian(this.problem, ev, weights);
  }

  /** The multipliers' gradients: each constraint's (proxy) violation, the ascent direction. */
  private setDualGrads(violations: readonly number[]): void {
    this.params!.forEach((p, i) => {
      p.grad?.dispose();
      p.grad = tensor([violations[i]], { backend: p.backend });
    });
  }

  private *readMultipliers(op: string): Generator<Command, number[], unknown> {
    return yield* readScalars(op, this.params!);
  }

  /** After a step taken: the multipliers, the penalty schedule, the problem's records. */
  private finish(m: Measured, lambda: number[]): LagrangianStepResult {
    this.lambda = lambda;
    this.steps++;
    if (this.method === 'augmented') this.schedule(m.violations);
    const records: Record<string, ConstraintStepRecord> = {};
    this.problem.names.forEach((name, i) => {
      records[name] = {
        step: this.steps,
        value: m.values[i],
        proxy: m.proxies[i],
        violation: m.violations[i],
        multiplier: lambda[i],
      };
    });
    this.problem._record(m.loss, records);
    return this.result(m, lambda, false);
  }

  /** The penalty schedule: per constraint, rho grows when a window's mean excess did not shrink enough. */
  private schedule(violations: readonly number[]): void {
    violations.forEach((v, i) => {
      const w = this.windows[i];
      w.sum += this.kinds[i] === 'eq' ? Math.abs(v) : Math.max(0, v);
      w.count++;
      if (w.count < this.rhoEvery) return;
      const mean = w.sum / w.count;
      if (w.previous !== null && mean > this.rhoAtol && mean > this.rhoTolerance * w.previous) {
        this.rho[i] = Math.min(this.rhoMax, this.rho[i] * this.rhoGrowth);
      }
      this.windows[i] = { sum: 0, count: 0, previous: mean };
    });
  }

  private result(m: Measured, lambda: number[], skipped: boolean): LagrangianStepResult {
    return {
      loss: m.loss,
      values: this.byName(m.values),
      proxies: this.byName(m.proxies),
      violations: this.byName(m.violations),
      multipliers: this.byName(lambda),
      penalties: this.byName(this.rho),
      skipped,
    };
  }

  private byName(xs: readonly number[]): Record<string, number> {
    return Object.fromEntries(this.problem.names.map((n, i) => [n, xs[i]]));
  }

  private indexOf(name: string): number {
    const i = this.problem.names.indexOf(name);
    if (i < 0) {
      throw new ArgumentError(
        `Lagrangian: problem '${this.problem.name}' has no constraint '${name}' (it has ${this.problem.names.join(', ')})`,
      );
    }
    return i;
  }

  // ---- state ------------------------------------------------------------------------------------------

  /** The dual state: multipliers, penalties and the schedule's windows, as plain numbers. */
  dualStateDict(): LagrangianDualState {
    return {
      method: this.method,
      steps: this.steps,
      multipliers: this.byName(this.lambda),
      penalties: this.byName(this.rho),
      schedule: Object.fromEntries(this.problem.names.map((n, i) => [n, { ...this.windows[i] }])),
    };
  }

  /** The primal optimizer's `stateDict()` and the dual state. */
  stateDict(): LagrangianStateDict {
    return { primal: this.primal.stateDict(), dual: this.dualStateDict() };
  }

  /** Throws a `CpError` (naming the problem and the constraint) unless `s` can be loaded; changes nothing. */
  validateDualStateDict(s: LagrangianDualState): void {
    const kinds = Object.fromEntries(this.problem.names.map((n, i) => [n, this.kinds[i]]));
    validateDualState(`Lagrangian.loadStateDict: problem '${this.problem.name}'`, s, kinds, this.method);
  }

  /** Loads a `dualStateDict()`; all or nothing. */
  loadDualStateDict(s: LagrangianDualState): void {
    this.validateDualStateDict(s);
    const names = this.problem.names;
    const lambda = names.map((n) => Math.fround(s.multipliers[n]));
    if (this.params) {
      const params = this.params;
      noGrad(() => {
        for (const [i, p] of params.entries()) p.copy_(tensor([lambda[i]], { backend: p.backend }));
      });
    }
    this.lambda = lambda;
    this.rho = names.map((n) => s.penalties[n]);
    this.windows = names.map((n) => ({ ...s.schedule[n] }));
    this.steps = s.steps;
  }

  /** Throws a `CpError` unless `sd` can be loaded (the primal's state dict and the dual state); changes nothing. */
  validateStateDict(sd: LagrangianStateDict): void {
    if (sd === null || typeof sd !== 'object') {
      throw new ArgumentError(`Lagrangian.loadStateDict: problem '${this.problem.name}': expected { primal, dual }`);
    }
    this.primal.validateStateDict(sd.primal);
    this.validateDualStateDict(sd.dual);
  }

  /** Loads a `stateDict()`: both parts are validated before either is loaded. */
  loadStateDict(sd: LagrangianStateDict): void {
    this.validateStateDict(sd);
    this.primal.loadStateDict(sd.primal);
    this.loadDualStateDict(sd.dual);
  }

  /**
   * `saveCheckpoint` with the primal optimizer's state and the dual state (multipliers, penalties, schedule) in
   * the metadata key 'lagrangian', exactly (float32 multipliers are exact JSON numbers).
   */
  saveCheckpoint(options: Omit<SaveCheckpointOptions, 'optimizer'>): Uint8Array<ArrayBuffer> {
    if (options.metadata && Object.hasOwn(options.metadata, LAGRANGIAN_CHECKPOINT_KEY)) {
      throw new ArgumentError(
        `Lagrangian.saveCheckpoint: metadata key '${LAGRANGIAN_CHECKPOINT_KEY}' is the Lagrangian's own`,
      );
    }
    const dual = this.dualStateDict() as unknown as SaveCheckpointOptions['metadata'] & object;
    return saveCheckpoint({
      ...options,
      optimizer: this.primal,
      metadata: { ...options.metadata, [LAGRANGIAN_CHECKPOINT_KEY]: dual as never },
    });
  }

  /**
   * Restores a `saveCheckpoint` file: the model, the primal optimizer and the dual state. The dual state is
   * validated before anything is loaded, so a file that raises changes nothing. The returned metadata leaves
   * out the key 'lagrangian'.
   */
  loadCheckpoint(bytes: Uint8Array, options: Omit<LoadCheckpointOptions, 'optimizer'>): LoadedCheckpoint {
    const { metadata } = decodeSafetensors(bytes);
    const dual = readJson(metadata, LAGRANGIAN_CHECKPOINT_KEY, true) as LagrangianDualState;
    this.validateDualStateDict(dual);
    const loaded = loadCheckpoint(bytes, { ...options, optimizer: this.primal });
    this.loadDualStateDict(dual);
    const { [LAGRANGIAN_CHECKPOINT_KEY]: _dual, ...rest } = loaded.metadata;
    return { ...loaded, metadata: rest };
  }
}
