/**
 * The constraint name registry: name → factory, so specs `{ name, options }` turn back into constraints.
 * Every built-in is registered here; custom constraints join with `register(name, factory)`.
 */
import { ArgumentError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { clamp, greaterThan, interval, lessThan, linfBall, nonNeg, positive } from './builtins/bounds.js';
import { intersect } from './builtins/intersect.js';
import { l2Ball, maxNorm, minMaxNorm, unitNorm } from './builtins/norms.js';
import { orthogonal } from './builtins/orthogonal.js';
import { l1Ball, simplex } from './builtins/simplex.js';
import { symmetric } from './builtins/symmetric.js';
import { Constraint, ConstraintError, type ConstraintSpec, FunctionConstraint } from './constraint.js';

/** Makes a constraint from a spec's options. May return a plain function `(value) => Tensor`. */
export type ConstraintFactory<O = Record<string, unknown>> = (options: O) => Constraint | ((value: Tensor) => Tensor);

// biome-ignore lint/suspicious/noExplicitAny: spec options are untyped JSON until a factory reads them.
type Opts = Record<string, any>;
const dimOf = (o: Opts) => (o.dim === null ? undefined : o.dim);

const factories = new Map<string, ConstraintFactory<Opts>>([
  ['clamp', (o: Opts) => clamp(o.min, o.max)],
  ['interval', (o: Opts) => interval(o.lower, o.upper)],
  ['nonNeg', () => nonNeg()],
  ['greaterThan', (o: Opts) => greaterThan(o.lowerBound)],
  ['lessThan', (o: Opts) => lessThan(o.upperBound)],
  ['positive', (o: Opts) => positive({ minValue: o.minValue })],
  ['linfBall', (o: Opts) => linfBall(o.radius)],
  ['maxNorm', (o: Opts) => maxNorm(o.max, { dim: dimOf(o) })],
  ['minMaxNorm', (o: Opts) => minMaxNorm(o.min, o.max, { dim: dimOf(o), rate: o.rate })],
  ['unitNorm', (o: Opts) => unitNorm({ dim: dimOf(o) })],
  ['l2Ball', (o: Opts) => l2Ball(o.radius, { dim: dimOf(o) })],
  ['l1Ball', (o: Opts) => l1Ball(o.radius, { dim: dimOf(o) })],
  ['simplex', (o: Opts) => simplex({ sum: o.sum, dim: dimOf(o) })],
  ['orthogonal', () => orthogonal()],
  ['symmetric', () => symmetric()],
  [
    'intersect',
    (o: Opts) => intersect(...(o.constraints as ConstraintSpec[]).map(fromSpec), { maxIter: o.maxIter, tol: o.tol }),
  ],
]);
const builtinNames = new Set(factories.keys());

/**
 * Registers a factory under `name` so specs with that name can be loaded (custom constraints, and plain
 * functions, whose spec name is the function's name). Built-in names cannot be replaced.
 */
export function register<O>(name: string, factory: ConstraintFactory<O>): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new ArgumentError('constraints.register: name must be a non-empty string');
  if (builtinNames.has(name))
    throw new ArgumentError(`constraints.register: '${name}' is a built-in constraint and cannot be replaced`);
  if (typeof factory !== 'function')
    throw new ArgumentError(`constraints.register('${name}'): factory must be a function`);
  factories.set(name, factory as ConstraintFactory<Opts>);
}

/** Removes a custom registration (built-ins stay). Returns whether it existed. */
export function unregister(name: string): boolean {
  if (builtinNames.has(name)) return false;
  return factories.delete(name);
}

/** Every registered name, built-ins first. */
export function knownNames(): string[] {
  return [...factories.keys()];
}

/** The constraint a spec describes. Unknown names raise an error listing the known ones. */
export function fromSpec(spec: ConstraintSpec): Constraint {
  const factory = spec && typeof spec.name === 'string' ? factories.get(spec.name) : undefined;
  if (!factory) {
    const name = spec && typeof spec.name === 'string' ? `'${spec.name}'` : JSON.stringify(spec);
    throw new ConstraintError(
      `unknown constraint ${name}; known names: ${knownNames().join(', ')}. Register custom constraints with constraints.register(name, factory) before loading`,
    );
  }
  const made = factory(spec.options ?? {});
  if (made instanceof Constraint) return made;
  if (typeof made === 'function') return new NamedFunctionConstraint(spec.name, made);
  throw new ConstraintError(
    `constraints.register('${spec.name}'): the factory returned ${typeof made}, not a Constraint or function`,
  );
}

/** A function constraint that keeps the name it was registered under. */
class NamedFunctionConstraint extends FunctionConstraint {
  override readonly name: string;
  constructor(name: string, fn: (value: Tensor) => Tensor) {
    super(fn);
    this.name = name;
  }
}
