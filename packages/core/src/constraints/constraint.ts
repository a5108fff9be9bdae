/**
 * The `Constraint` base class every built-in and custom constraint extends, the function wrapper, the spec
 * type used for (de)serialization, and `ConstraintError`. A constraint is a set: `project` maps a value to
 * the nearest point of the set, `check` measures how far a value is from it.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../engine/lifetime.js';
import { CpError, fmtShape } from '../errors.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';

/** How a constraint is enforced: projection after each step, or a reparametrization `value = transform(raw)`. */
export type ConstraintMode = 'project' | 'reparametrize';

/** The dims a norm or sum is taken over, as constraints take them (all dims when undefined). */
export type Dims = number | number[] | undefined;

/** A set some built-ins are, by shape and parameters (see `Constraint.set`). */
export type SetShape =
  | { type: 'box'; lo: number; hi: number }
  | { type: 'simplex'; total: number; dim: Dims }
  | { type: 'l1Ball'; radius: number; dim: Dims }
  | { type: 'l2Ball'; radius: number; dim: Dims }
  | { type: 'intersection'; parts: readonly Constraint[] };

/** A JSON value (constraint options must be one, so specs survive `JSON.stringify`). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A serializable description of a constraint: its registered name and its options. */
export interface ConstraintSpec {
  /** The name in the constraint name registry (`constraints.register`). */
  name: string;
  /** The factory's options (JSON). */
  options: { [key: string]: JsonValue };
  /** How it was registered on the parameter (absent: the constraint's default). */
  mode?: ConstraintMode;
  /** Whether it constrains the parameter's value (default) or its gradient. */
  target?: 'value' | 'grad';
}

/** Options of `check`. */
export interface CheckOptions {
  /** The largest violation still counted as satisfied (default: the constraint's documented tolerance). */
  tol?: number;
  /** Also check each slice of a per-slice constraint on its own (`CheckResult.slices`; see `Constraint.slices`). */
  slices?: boolean;
}

/** One slice's line of `check(value, { slices: true })`. */
export interface SliceCheck {
  /** The slice's label: `[3]`, `[:, 2]`, `[gate f]`. */
  label: string;
  ok: boolean;
  maxViolation: number;
}

/** The result of `check`: whether the value satisfies the constraint, and its largest violation. */
export interface CheckResult {
  ok: boolean;
  maxViolation: number;
  /** With `{ slices: true }`, each slice of a per-slice constraint (absent for a whole-tensor set). */
  slices?: SliceCheck[];
}

/** One of the independent slices a constraint is made of, for reports (see `Constraint.slices`). */
export interface ConstraintSlice {
  /** How PyTorch indexes the slice (`[3]`, `[:, 2]`), or a block's name (`[gate f]`). */
  label: string;
  /** The slice of the value (keeping the value's number of dims when it is an index slice). */
  value: Tensor;
  /** The constraint the slice must satisfy on its own. */
  constraint: Constraint;
}

/** A constraint raised an error, or returned a value that is not finite or has the wrong shape. */
export class ConstraintError extends CpError {
  override name = 'ConstraintError';
}

/**
 * A constraint: a set of allowed values. Subclasses set `name` and implement `project` (pure) or `project_`
 * (in place on a scratch tensor), and may override `violation`, `tolerance`, and `transform`/`inverse` to
 * support the reparametrize mode. Custom subclasses registered with `constraints.register` serialize by name.
 */
export abstract class Constraint {
  /** The name used in specs and reports. */
  abstract readonly name: string;
  /** The options, as given to the factory (JSON). */
  options: { [key: string]: JsonValue } = {};
  /** True when the set is convex (then `intersect` uses Dykstra's algorithm and the projection is unique). */
  readonly convex: boolean = false;
  /** The mode `registerConstraint` uses when none is given. */
  readonly defaultMode: ConstraintMode = 'project';

  /**
   * Declares that `project_` is an exact projection the optimizer's step need not check: from a finite input of
   * the parameter's shape it returns finite values of that shape and cannot throw once registration succeeded
   * (short of float32 overflow, see docs/constraints.md). The step then reads nothing back after projecting.
   * Built-ins declare it; the default, false, has every result checked and a failing step undone. A subclass
   * inherits its parent's declaration: override it (return false) when its `project_` can fail.
   */
  get safeProjection(): boolean {
    return false;
  }

  /**
   * Declares which set this is, when it is one that intersections merge (boxes) or solve in closed form (a box
   * with a simplex, an L1 ball or an L2 ball), or an intersection itself; null for any other set. A subclass
   * inherits it: override it (return null) when it projects onto another set.
   */
  get set(): SetShape | null {
    return null;
  }

  /** The nearest point of the set to `value`, as a new tensor (no autograd; `value` is not modified). */
  project(value: Tensor): Tensor {
    if (this.project_ === Constraint.prototype.project_) {
      throw new ConstraintError(
        `constraint '${this.name}': a Constraint subclass must implement project() or project_()`,
      );
    }
    return noGrad(() => {
      const out = value.detach().clone();
      this.project_(out);
      return out;
    });
  }

  /** Projects `x` in place. `x` is a scratch float32 tensor that does not require grad. */
  project_(x: Tensor): void {
    if (this.project === Constraint.prototype.project) {
      throw new ConstraintError(
        `constraint '${this.name}': a Constraint subclass must implement project() or project_()`,
      );
    }
    noGrad(() => {
      const y = this.project(x);
      writeResult(this, x, y);
    });
  }

  /** The largest violation of the set by `value` (0 inside). Default: the largest change projection makes. */
  violation(value: Tensor): number {
    if (value.size === 0) return 0;
    return noGrad(() => {
      const p = this.project(value);
      const v = p.sub(value).abs().max().item();
      p.dispose();
      return v;
    });
  }

  /** The documented default tolerance of `check` for `value` (float32 rounding of the set's defining sums). */
  tolerance(_value: Tensor): number {
    return 0;
  }

  /** Whether `value` satisfies the constraint within `tol`, and the largest violation. NaN never satisfies. */
  check(value: Tensor, options?: CheckOptions): CheckResult {
    return tidy(() => {
      const tol = options?.tol ?? this.tolerance(value);
      const maxViolation = noGrad(() => this.violation(value));
      const result: CheckResult = { ok: maxViolation <= tol, maxViolation };
      const slices = options?.slices ? noGrad(() => this.sliceChecks(value.detach(), options?.tol)) : null;
      if (slices) result.slices = slices;
      return result;
    });
  }

  /**
   * Each slice's check for `check(value, { slices: true })` (null for a whole-tensor set). The default checks
   * each slice of `slices(value)` on its own; a per-slice built-in overrides it with one pass over all slices.
   */
  protected sliceChecks(value: Tensor, tol: number | undefined): SliceCheck[] | null {
    const parts = this.slices(value);
    if (!parts) return null;
    return parts.map(({ label, value: part, constraint }) => {
      const r = constraint.check(part, tol === undefined ? undefined : { tol });
      return { label, ok: r.ok, maxViolation: r.maxViolation };
    });
  }

  /**
   * The independent slices the set is a product of (a `dim` option, a batch of matrices, `chunk` blocks), each
   * with its label, for reports; null (the default) when the set is one whole-tensor set.
   */
  slices(_value: Tensor): ConstraintSlice[] | null {
    return null;
  }

  /** Maps an unconstrained raw tensor into the set (differentiable). Present on reparametrizable constraints. */
  transform?(raw: Tensor): Tensor;
  /** A raw tensor whose transform is `value` (`value` is in the set). Present with `transform`. */
  inverse?(value: Tensor): Tensor;
  /**
   * Optional: `transform(raw)` and the VJP of `transform` at raw applied to `grad`, computed without autograd (an
   * analytic derivative). The optimizer's step uses it when present instead of differentiating `transform`; the
   * value must equal `transform(raw)` bit for bit (the step compares it with the parameter).
   */
  transformVjp?(raw: Tensor, grad: Tensor): { value: Tensor; grad: Tensor };
  /**
   * Optional, for an elementwise transform with `transformVjp`: `transform(raw)` (bit for bit) and its derivative
   * elementwise, such that `transformVjp(raw, grad).grad` equals `grad.mul(derivative)` bit for bit. The
   * optimizer's step computes each new value with it and keeps the derivative for the next step's VJP.
   */
  transformAndDerivative?(raw: Tensor): { value: Tensor; derivative: Tensor };

  /** True when the constraint supports `{ mode: 'reparametrize' }`. */
  get reparametrizable(): boolean {
    return typeof this.transform === 'function' && typeof this.inverse === 'function';
  }

  /** The serializable spec `{ name, options }`. */
  toSpec(): ConstraintSpec {
    return { name: this.name, options: this.options };
  }

  /** `name(option=value, ...)`, for messages and reports. */
  toString(): string {
    const opts = Object.entries(this.options)
      .filter(([, v]) => v !== null && v !== undefined)
      // NOTE: numbers print as written, so an infinite bound reads Infinity (JSON would print null).
      .map(([k, v]) => `${k}=${typeof v === 'number' ? String(v) : JSON.stringify(v)}`);
    return `${this.name}(${opts.join(', ')})`;
  }
}

/** Checks a projection result and writes it into `x` (shared by function constraints and `project` subclasses). */
export function writeResult(c: Constraint, x: Tensor, y: unknown): void {
  if (!isTensor(y)) {
    throw new ConstraintError(
      `constraint '${c}' on a parameter of shape ${fmtShape(x.shape)} returned ${typeof y}, not a Tensor`,
    );
  }
  if (y.shape.length !== x.shape.length || y.shape.some((d, i) => d !== x.shape[i])) {
    throw new ConstraintError(
      `constraint '${c}' on a parameter of shape ${fmtShape(x.shape)} returned shape ${fmtShape(y.shape)}; a constraint must keep the shape`,
    );
  }
  if (y !== x) x.copy_(y);
}

/** A plain function `(value) => Tensor` used as a constraint (the blog post's form). */
export class FunctionConstraint extends Constraint {
  readonly name: string;
  constructor(
    /**
     * The user's function: it may modify its argument in place (a detached value, undone if the step fails) or
     * return a new tensor.
     */
    readonly fn: (value: Tensor) => Tensor,
  ) {
    super();
    this.name = fn.name || 'anonymous function';
  }
  override project_(x: Tensor): void {
    noGrad(() => writeResult(this, x, this.fn(x)));
  }
  override toString(): string {
    return `function ${this.name}`;
  }
}

/** A constraint object or a plain function `(value: Tensor) => Tensor`. */
export type ConstraintLike = Constraint | ((value: Tensor) => Tensor);

/** `c` as a `Constraint` (functions are wrapped). */
export function toConstraint(c: ConstraintLike): Constraint {
  if (c instanceof Constraint) return c;
  if (typeof c === 'function') return new FunctionConstraint(c);
  throw new ConstraintError(`expected a Constraint or a function (value: Tensor) => Tensor, got ${typeof c}`);
}

/** Normalizes a `dim` option (undefined: every dim) into sorted unique non-negative dims for `ndim`. */
export function reductionDims(
  name: string,
  dim: number | readonly number[] | undefined | null,
  ndim: number,
): number[] {
  if (dim === undefined || dim === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const out = list.map((d) => {
    const n = d < 0 ? d + ndim : d;
    if (!Number.isInteger(n) || n < 0 || n >= Math.max(ndim, 1)) {
      throw new ConstraintError(`${name}: dim ${d} is out of range for a tensor with ${ndim} dims`);
    }
    return n;
  });
  return [...new Set(out)].sort((a, b) => a - b).filter((d) => d < ndim);
}
