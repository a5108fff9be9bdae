/**
 * `ConstrainedProblem`: an objective and constraints on functions of the parameters ("recall of class 8 at
 * least 0.97", "mean activation at most 0.1"), which are not sets a parameter can be projected onto. The
 * problem only describes and evaluates; `optim.Lagrangian` solves it, recording each step here, and
 * `report()` gives each constraint's value, multiplier and violation history. The sign conventions are in
 * docs/constraints.md ("Constraints on functions of the parameters").
 */
import { enableGrad } from '../../autograd/grad-mode.js';
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { isTensor, type Tensor } from '../../tensor/tensor.js';
import { ConstraintHistory, type ConstraintStepRecord, type ConstraintSummary } from './history.js';

/** `'le'`: fn <= bound; `'ge'`: fn >= bound; `'eq'`: fn = bound. */
export type ConstraintKind = 'le' | 'ge' | 'eq';

const KINDS: readonly ConstraintKind[] = ['le', 'ge', 'eq'];

/** One constraint on a function of the parameters. */
export interface FunctionConstraintSpec {
  kind: ConstraintKind;
  /** A scalar (one-element) tensor computed from the parameters, differentiable: the primal step uses its gradient. */
  fn: () => Tensor;
  /** The finite number `fn` is compared with. */
  bound: number;
  /**
   * The quantity the multiplier's update measures instead of `fn` (Cotter et al. 2019's proxy-Lagrangian):
   * a number or a scalar tensor, which need not be differentiable (an actual rate where `fn` is a smooth
   * surrogate of it). Compared with `bound` the same way as `fn`.
   */
  proxy?: () => Tensor | number;
}

/** What `new ConstrainedProblem` takes. */
export interface ConstrainedProblemOptions {
  /** The scalar (one-element) tensor to minimize. */
  objective: () => Tensor;
  /** The constraints by name (at least one). */
  constraints: Record<string, FunctionConstraintSpec>;
  /** A name for messages and reports (default 'problem'). */
  name?: string;
  /** How many recent steps `report()` lists per constraint (default 100; a summary covers every step). */
  historyLength?: number;
}

/** One constraint in `ConstrainedProblem.report()`. */
export interface FunctionConstraintReport {
  kind: ConstraintKind;
  bound: number;
  /** The last step's record (null before the first step). */
  last: ConstraintStepRecord | null;
  /** The last `historyLength` steps, oldest first. */
  history: ConstraintStepRecord[];
  /** Over every step. */
  summary: ConstraintSummary;
}

/** `ConstrainedProblem.report()`. */
export interface ConstrainedProblemReport {
  name: string;
  /** Steps recorded. */
  steps: number;
  /** The objective's value at the start of the last step (null before the first). */
  loss: number | null;
  constraints: Record<string, FunctionConstraintReport>;
}

/** One evaluation of a problem: the tensors of the objective and constraints, with gradients on. */
export interface Evaluation {
  objective: Tensor;
  /** `fn()` of each constraint, in `names` order. */
  values: Tensor[];
  /** The proxy of each constraint (`values[i]` when it has none). */
  proxies: (Tensor | number)[];
}

/** The violation `g` of a value: `fn - bound` ('le', 'eq'), `bound - fn` ('ge'). Feasible when g <= 0 (g = 0 for 'eq'). */
export function violationOf(kind: ConstraintKind, value: number, bound: number): number {
  return kind === 'ge' ? bound - value : value - bound;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (isTensor(v)) return `a tensor of shape ${fmtShape(v.shape)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** An objective with constraints on functions of the parameters, for `optim.Lagrangian`. */
export class ConstrainedProblem {
  /** The problem's name, in messages and reports. */
  readonly name: string;
  /** The constraint names, in declaration order (the order `fn`s are called in). */
  readonly names: readonly string[];
  /** The constraints by name (frozen copies of what was given). */
  readonly constraints: Readonly<Record<string, Readonly<FunctionConstraintSpec>>>;
  private readonly objective: () => Tensor;
  private readonly histories = new Map<string, ConstraintHistory>();
  private lastLoss: number | null = null;
  private steps = 0;
  private owner: object | null = null;

  /** Checks every constraint (kind, fn, bound, proxy); an error names the constraint and the problem. */
  constructor(options: ConstrainedProblemOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ArgumentError(
        `ConstrainedProblem: options must be { objective, constraints }, got ${describe(options)}`,
      );
    }
    this.name = options.name ?? 'problem';
    if (typeof this.name !== 'string') throw new ArgumentError('ConstrainedProblem: name must be a string');
    const where = `ConstrainedProblem '${this.name}'`;
    if (typeof options.objective !== 'function') {
      throw new ArgumentError(
        `${where}: objective must be a function returning a scalar tensor, got ${describe(options.objective)}`,
      );
    }
    const historyLength = options.historyLength ?? 100;
    if (!Number.isInteger(historyLength) || historyLength < 1) {
      throw new ArgumentError(`${where}: historyLength must be an integer >= 1, got ${String(historyLength)}`);
    }
    const given = options.constraints;
    if (given === null || typeof given !== 'object' || Object.keys(given).length === 0) {
      throw new ArgumentError(
        `${where}: constraints must be an object of named constraints (at least one), got ${describe(given)}`,
      );
    }
    const specs: Record<string, Readonly<FunctionConstraintSpec>> = {};
    for (const [name, c] of Object.entries(given)) {
      const at = `${where}: constraint '${name}'`;
      if (c === null || typeof c !== 'object')
        throw new ArgumentError(`${at}: expected { kind, fn, bound }, got ${describe(c)}`);
      if (!KINDS.includes(c.kind)) {
        throw new ArgumentError(
          `${at}: unknown kind ${JSON.stringify(c.kind)}; use 'le' (fn <= bound), 'ge' (fn >= bound) or 'eq' (fn = bound)`,
        );
      }
      if (typeof c.fn !== 'function')
        throw new ArgumentError(`${at}: fn must be a function returning a scalar tensor, got ${describe(c.fn)}`);
      if (typeof c.bound !== 'number' || !Number.isFinite(c.bound)) {
        throw new ArgumentError(`${at}: bound must be a finite number, got ${describe(c.bound)}`);
      }
      if (c.proxy !== undefined && typeof c.proxy !== 'function') {
        throw new ArgumentError(
          `${at}: proxy must be a function returning a number or a scalar tensor, got ${describe(c.proxy)}`,
        );
      }
      specs[name] = Object.freeze({ kind: c.kind, fn: c.fn, bound: c.bound, proxy: c.proxy });
      this.histories.set(name, new ConstraintHistory(historyLength, c.kind === 'eq'));
    }
    this.objective = options.objective;
    this.names = Object.freeze(Object.keys(specs));
    this.constraints = Object.freeze(specs);
  }

  /**
   * @internal Calls the objective, then each `fn`, then each proxy, in declaration order and with gradients
   * on (so an `fn` may reuse tensors the objective computed), and checks that each is a scalar.
   */
  _evaluate(op: string): Evaluation {
    const where = `${op}: problem '${this.name}'`;
    return enableGrad(() => {
      const objective = this.objective();
      if (!isTensor(objective) || objective.size !== 1) {
        throw new ShapeError(
          `${where}: the objective must return a scalar (one-element) tensor, got ${describe(objective)}`,
        );
      }
      const values = this.names.map((name) => {
        const v = this.constraints[name].fn();
        if (!isTensor(v) || v.size !== 1) {
          throw new ShapeError(
            `${where}: constraint '${name}': fn must return a scalar (one-element) tensor, got ${describe(v)}; reduce it (e.g. .mean()) to one number`,
          );
        }
        return v;
      });
      const proxies = this.names.map((name, i) => {
        const proxy = this.constraints[name].proxy;
        if (!proxy) return values[i];
        const p = proxy();
        if (typeof p !== 'number' && !(isTensor(p) && p.size === 1)) {
          throw new ShapeError(
            `${where}: constraint '${name}': proxy must return a number or a scalar (one-element) tensor, got ${describe(p)}`,
          );
        }
        return isTensor(p) ? p.detach() : p;
      });
      return { objective, values, proxies };
    });
  }

  /** @internal Binds the problem to the one Lagrangian that solves it (its records would interleave otherwise). */
  _attach(owner: object): void {
    if (this.owner !== null && this.owner !== owner) {
      throw new ArgumentError(
        `optim.Lagrangian: problem '${this.name}' already has a Lagrangian; make one ConstrainedProblem per Lagrangian`,
      );
    }
    this.owner = owner;
  }

  /** @internal Records one step (the loss, and each constraint's record, by name). */
  _record(loss: number, records: Record<string, ConstraintStepRecord>): void {
    this.steps++;
    this.lastLoss = loss;
    for (const name of this.names) this.histories.get(name)!.push(records[name]);
  }

  /** Each constraint's last value, multiplier and violation, its recent history and a summary over every step. */
  report(): ConstrainedProblemReport {
    const constraints: Record<string, FunctionConstraintReport> = {};
    for (const name of this.names) {
      const h = this.histories.get(name)!;
      const history = h.recent();
      const c = this.constraints[name];
      constraints[name] = {
        kind: c.kind,
        bound: c.bound,
        last: history.length > 0 ? history[history.length - 1] : null,
        history,
        summary: h.summary(),
      };
    }
    return { name: this.name, steps: this.steps, loss: this.lastLoss, constraints };
  }
}
