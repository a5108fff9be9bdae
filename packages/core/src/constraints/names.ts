/**
 * The constraint name registry: name → factory, so specs `{ name, options }` turn back into constraints.
 * Every built-in is registered here; custom constraints join with `register(name, factory)`.
 */
import { ArgumentError, CpError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkOptions, describeValue } from './builtins/args.js';
import { clamp, greaterThan, interval, lessThan, linfBall, nonNeg, positive } from './builtins/bounds.js';
import { cappedSimplex } from './builtins/capped-simplex.js';
import { chunk } from './builtins/chunk.js';
import { halfspace, hyperplane } from './builtins/hyperplane.js';
import { intersect } from './builtins/intersect.js';
import { l2Ball, maxNorm, minMaxNorm, unitNorm } from './builtins/norms.js';
import { orthogonal } from './builtins/orthogonal.js';
import { psd } from './builtins/psd.js';
import { l1Ball, simplex } from './builtins/simplex.js';
import { loadVectors, spectralNorm } from './builtins/spectral-norm.js';
import { sphere } from './builtins/sphere.js';
import { symmetric } from './builtins/symmetric.js';
import { Constraint, ConstraintError, type ConstraintSpec, FunctionConstraint } from './constraint.js';

/** Makes a constraint from a spec's options. May return a plain function `(value) => Tensor`. */
export type ConstraintFactory<O = Record<string, unknown>> = (options: O) => Constraint | ((value: Tensor) => Tensor);

// biome-ignore lint/suspicious/noExplicitAny: spec options are untyped JSON until a factory reads them.
type Opts = Record<string, any>;
const dimOf = (o: Opts) => (o.dim === null ? undefined : o.dim);

/** The intersection's parts: an array of specs, each loaded in turn. */
function partsOf(o: Opts): Constraint[] {
  if (!Array.isArray(o.constraints) || o.constraints.length === 0)
    throw new ArgumentError(
      `intersect: options.constraints must be a non-empty array of constraint specs, got ${describeValue(o.constraints)}`,
    );
  return (o.constraints as ConstraintSpec[]).map(fromSpec);
}

/** Each built-in's factory and the option keys its specs may carry (others are an error). */
const builtins: [string, readonly string[], ConstraintFactory<Opts>][] = [
  ['clamp', ['min', 'max'], (o) => clamp(o.min, o.max)],
  ['interval', ['lower', 'upper'], (o) => interval(o.lower, o.upper)],
  ['nonNeg', [], () => nonNeg()],
  ['greaterThan', ['lowerBound'], (o) => greaterThan(o.lowerBound)],
  ['lessThan', ['upperBound'], (o) => lessThan(o.upperBound)],
  ['positive', ['minValue'], (o) => positive({ minValue: o.minValue })],
  ['linfBall', ['radius'], (o) => linfBall(o.radius)],
  ['maxNorm', ['max', 'dim'], (o) => maxNorm(o.max, { dim: dimOf(o) })],
  ['minMaxNorm', ['min', 'max', 'dim', 'rate'], (o) => minMaxNorm(o.min, o.max, { dim: dimOf(o), rate: o.rate })],
  ['unitNorm', ['dim'], (o) => unitNorm({ dim: dimOf(o) })],
  ['l2Ball', ['radius', 'dim'], (o) => l2Ball(o.radius, { dim: dimOf(o) })],
  ['l1Ball', ['radius', 'dim'], (o) => l1Ball(o.radius, { dim: dimOf(o) })],
  ['simplex', ['sum', 'dim'], (o) => simplex({ sum: o.sum, dim: dimOf(o) })],
  ['sphere', ['radius', 'dim'], (o) => sphere(o.radius, { dim: dimOf(o) })],
  ['hyperplane', ['a', 'b', 'dim'], (o) => hyperplane(o.a, o.b, { dim: dimOf(o) })],
  ['halfspace', ['a', 'b', 'dim'], (o) => halfspace(o.a, o.b, { dim: dimOf(o) })],
  ['cappedSimplex', ['k', 'dim'], (o) => cappedSimplex(o.k, { dim: dimOf(o) })],
  ['orthogonal', [], () => orthogonal()],
  ['symmetric', [], () => symmetric()],
  [
    'chunk',
    ['constraint', 'chunks', 'dim', 'labels'],
    (o) => chunk(fromSpec(o.constraint), o.chunks, { dim: o.dim ?? undefined, labels: o.labels ?? undefined }),
  ],
  ['intersect', ['constraints', 'maxIter', 'tol'], (o) => intersect(...partsOf(o), { maxIter: o.maxIter, tol: o.tol })],
  ['psd', ['minEig'], (o) => psd({ minEig: o.minEig })],
  [
    'spectralNorm',
    ['maxSigma', 'nPowerIterations', 'vectors'],
    (o) => loadVectors(spectralNorm(o.maxSigma, { nPowerIterations: o.nPowerIterations }), o.vectors),
  ],
];
const factories = new Map<string, ConstraintFactory<Opts>>(builtins.map(([name, , f]) => [name, f]));
const builtinKeys = new Map<string, readonly string[]>(builtins.map(([name, keys]) => [name, keys]));
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

/**
 * The constraint a spec describes. Unknown names raise a `ConstraintError` listing the known ones; a malformed
 * spec, or a built-in's options with unknown keys or bad values (a string, NaN, a negative radius), raise a
 * `CpError` naming the constraint and the value. Numbers are taken as given: an infinite bound stays infinite.
 */
export function fromSpec(spec: ConstraintSpec): Constraint {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new ConstraintError(
      `fromSpec: a constraint spec must be an object { name, options }, got ${describeValue(spec)}`,
    );
  const factory = typeof spec.name === 'string' ? factories.get(spec.name) : undefined;
  if (!factory) {
    const name = typeof spec.name === 'string' ? `'${spec.name}'` : describeValue(spec.name);
    throw new ConstraintError(
      `unknown constraint ${name}; known names: ${knownNames().join(', ')}. Register custom constraints with constraints.register(name, factory) before loading`,
    );
  }
  const options = spec.options ?? {};
  if (typeof options !== 'object' || Array.isArray(options))
    throw new ConstraintError(`fromSpec('${spec.name}'): options must be an object, got ${describeValue(options)}`);
  const keys = builtinKeys.get(spec.name);
  if (keys) checkOptions(`fromSpec('${spec.name}')`, options, keys);
  let made: ReturnType<ConstraintFactory<Opts>>;
  try {
    made = factory(options);
  } catch (err) {
    if (err instanceof CpError) throw err;
    throw new ConstraintError(
      `constraints.register('${spec.name}'): the factory raised ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
      { cause: err },
    );
  }
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
