/**
 * The inputs the API fuzzer passes to the public API: each an `Arg` with the code that shows it in a
 * failure, whether it is wrong on its own (`strict`: a wrong JS type, NaN or a fraction where an integer is
 * needed, an unknown dtype or option key, a disposed tensor: the call must throw; so must a call mixing tensors
 * of two backends), and a factory (tensors are made fresh inside the call's `tidy`). Well-typed values that may still
 * be wrong for the op (a dim out of range) are not strict: the call may then throw or return a correct
 * result. Generators mix mostly valid values with one kind of wrong one, so a failure has one cause.
 */
import * as cp from '@cp/core';
import type { Backend } from '@cp/core/backend';
import fc from 'fast-check';

/** Where args are made: the backend under test and a second, different backend instance. */
export interface ArgEnv {
  readonly backend: Backend;
  readonly other: Backend;
}

/** One argument of a fuzzed call. */
export interface Arg {
  readonly label: string;
  readonly strict: boolean;
  /** Which backend a tensor argument lives on: a call mixing 'main' and 'other' must throw. */
  readonly on?: 'main' | 'other';
  make(env: ArgEnv): unknown;
}

/** A plain value (copied fresh for each call, so a call that mutates it cannot affect the next). */
export function val(value: unknown, strict: boolean, label = show(value)): Arg {
  return {
    label,
    strict,
    make: () => (typeof value === 'object' && value !== null ? structuredCloneSafe(value) : value),
  };
}

function structuredCloneSafe(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return (v as unknown as { slice(): unknown }).slice();
  if (Array.isArray(v)) return v.map(structuredCloneSafe);
  if (v && Object.getPrototypeOf(v) === Object.prototype)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, structuredCloneSafe(x)]));
  return v;
}

/** Code for a value in a failure message. */
export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}.from([${Array.from(v as unknown as ArrayLike<number>).join(', ')}])`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(v);
}

/** An arbitrary drawing valid values three times as often as each group of wrong ones. */
export function mix(valid: readonly Arg[], strict: readonly Arg[], either: readonly Arg[] = []): fc.Arbitrary<Arg> {
  const parts: { arbitrary: fc.Arbitrary<Arg>; weight: number }[] = [
    { arbitrary: fc.constantFrom(...valid), weight: 3 },
  ];
  if (strict.length > 0) parts.push({ arbitrary: fc.constantFrom(...strict), weight: 2 });
  if (either.length > 0) parts.push({ arbitrary: fc.constantFrom(...either), weight: 1 });
  return fc.oneof(...parts);
}

const ok = (...vs: unknown[]) => vs.map((v) => val(v, false));
const bad = (...vs: unknown[]) => vs.map((v) => val(v, true));

/** Values of the wrong JS type anywhere a number, shape or tensor is expected. */
export const GARBAGE: readonly Arg[] = bad('1', null, {}, true, () => 1);

/** Shapes: valid, broken (negative, fractional, NaN, Infinity, strings, nested) and too large to allocate. */
export const shapeArg = mix(
  ok([2, 3], [], [0], [4], [1, 2, 1]),
  [
    ...bad(
      [-1],
      [-2, -2],
      [1.5],
      [Number.NaN],
      [Number.POSITIVE_INFINITY],
      ['2'],
      '2,3',
      [[2]],
      [true],
      [2, undefined],
    ),
    ...GARBAGE,
  ],
  // NOTE: sizes far beyond any memory fail before anything is allocated; 2^31-ish sizes are not used
  // (a backend without a limit would really try them).
  [...ok(5, [2 ** 20, 2 ** 20], [1e10], [2 ** 53])],
);

/** A single dim. */
export const dimArg = mix(
  ok(0, 1, -1),
  [...bad(1.5, Number.NaN, Number.POSITIVE_INFINITY, [0]), ...GARBAGE],
  ok(5, -5, 2, 2 ** 40),
);

/** A dim or a list of dims (reductions). */
export const dimsArg = mix(
  ok(0, 1, -1, undefined, [0, 1]),
  [...bad(1.5, Number.NaN, [0.5], ['0'], [Number.NaN]), ...bad('1', {}, true)],
  ok(5, [0, 0], [], [0, 5]),
);

/** An integer count or size (split sizes, chunk counts, steps, features). */
export const countArg = mix(
  ok(1, 2, 3),
  [...bad(1.5, Number.NaN, Number.POSITIVE_INFINITY), ...GARBAGE],
  ok(0, -1, 2 ** 40),
);

/** A plain number operand or bound (NaN and ±Infinity are valid numbers). */
export const numberArg = mix(
  ok(0, 1, -1, 0.5, 2, -0, Number.NaN, Number.POSITIVE_INFINITY),
  GARBAGE,
  ok(2 ** 40, 1e-45),
);

/** A dtype name. */
export const dtypeArg = mix(
  ok('float32', 'int32', 'bool'),
  bad('int64', 'float64', 'float16', 'uint8', '', 'Float32', 5, null, {}),
);

/** The kinds of tensor an argument can be. */
export type TensorKind = 'float' | 'vector' | 'scalar' | 'int' | 'bool' | 'empty' | 'disposed' | 'other' | 'fake';

function makeTensor(kind: TensorKind, env: ArgEnv): unknown {
  const backend = env.backend;
  switch (kind) {
    case 'float':
      return cp.tensor(
        [
          [1, -2, 3],
          [0.5, 4, -1],
        ],
        { backend },
      );
    case 'vector':
      return cp.tensor([1, 2, 3], { backend });
    case 'scalar':
      return cp.tensor(2, { backend });
    case 'int':
      return cp.tensor(
        [
          [1, 0, 2],
          [2, 1, 0],
        ],
        { dtype: 'int32', backend },
      );
    case 'bool':
      return cp.tensor(
        [
          [true, false, true],
          [false, true, true],
        ],
        { backend },
      );
    case 'empty':
      return cp.zeros([0, 3], { backend });
    case 'disposed': {
      const t = cp.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend },
      );
      t.dispose();
      return t;
    }
    case 'other':
      return cp.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend: env.other },
      );
    case 'fake':
      return { shape: [2, 3], dtype: 'float32', dataSync: () => new Float32Array(6) };
    default: {
      const never: never = kind;
      return never;
    }
  }
}

const LABELS: Record<TensorKind, string> = {
  float: 'cp.tensor([[1, -2, 3], [0.5, 4, -1]])',
  vector: 'cp.tensor([1, 2, 3])',
  scalar: 'cp.tensor(2)',
  int: "cp.tensor([[1, 0, 2], [2, 1, 0]], { dtype: 'int32' })",
  bool: 'cp.tensor([[true, false, true], [false, true, true]])',
  empty: 'cp.zeros([0, 3])',
  disposed: 'a disposed tensor',
  other: 'a tensor of another backend instance',
  fake: "{ shape: [2, 3], dtype: 'float32', dataSync } (not a tensor)",
};

/** A tensor argument of `kind`. */
export function tensorOf(kind: TensorKind): Arg {
  const on = kind === 'other' ? 'other' : kind === 'fake' ? undefined : 'main';
  return {
    label: LABELS[kind],
    strict: kind === 'disposed' || kind === 'fake',
    on,
    make: (env) => makeTensor(kind, env),
  };
}

/** A tensor input: real tensors of each dtype and rank, disposed ones, another backend's, and non-tensors. */
export const tensorArg = mix((['float', 'vector', 'scalar', 'int', 'bool', 'empty'] as const).map(tensorOf), [
  ...(['disposed', 'other', 'fake'] as const).map(tensorOf),
  ...bad('abc', null, undefined, {}, [[1, 2]]),
]);

/** The receiver of a Tensor method: real tensors of each dtype and rank, disposed ones and another backend's. */
export const selfArg = mix(
  (['float', 'vector', 'scalar', 'int', 'bool', 'empty'] as const).map(tensorOf),
  (['disposed', 'other'] as const).map(tensorOf),
);

/** A tensor or a plain number (binary ops' operands). */
export const operandArg = fc.oneof({ arbitrary: tensorArg, weight: 3 }, { arbitrary: numberArg, weight: 1 });

/** An int32 index tensor: in range, out of range, negative, and of the wrong dtype. */
export const indexArg = mix(
  [
    {
      label: "cp.tensor([0, 1], { dtype: 'int32' })",
      strict: false,
      make: (env) => cp.tensor([0, 1], { dtype: 'int32', backend: env.backend }),
    },
  ],
  [tensorOf('disposed'), tensorOf('other'), ...bad('0', null, [0, 1])],
  [
    {
      label: "cp.tensor([5], { dtype: 'int32' })",
      strict: false,
      make: (env) => cp.tensor([5], { dtype: 'int32', backend: env.backend }),
    },
    {
      label: "cp.tensor([-1], { dtype: 'int32' })",
      strict: false,
      make: (env) => cp.tensor([-1], { dtype: 'int32', backend: env.backend }),
    },
    tensorOf('vector'),
    tensorOf('int'),
  ],
);

/** Creation options: valid ones, unknown dtypes and keys, bad backends and flags. */
export const creationOptionsArg = mix(
  ok(undefined, {}, { dtype: 'int32' }, { dtype: 'bool' }, { requiresGrad: true }),
  [
    ...bad(
      { dtype: 'int64' },
      { dtype: 'float64' },
      { dtype: 'Float32' },
      { requiresGrad: 'yes' },
      { dtyp: 'int32' },
      { foo: 1 },
      { backend: {} },
      { backend: 'js' },
      { dtype: 'int32', requiresGrad: true },
    ),
    ...bad('int32', 5),
  ],
  ok(null, { backend: undefined }),
);
