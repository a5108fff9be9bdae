/**
 * The public API surface the API fuzzer calls: creation functions, Tensor methods, functional ops, nn
 * layers and losses, and optimizers. Each entry names the op its error messages must mention, the
 * arbitraries of its arguments, how to call it, and (optionally) what a returned result must satisfy
 * beyond being well-formed.
 */
import * as cp from '@cp/core';
import type fc from 'fast-check';
import {
  type Arg,
  countArg,
  creationOptionsArg,
  dimArg,
  dimsArg,
  dtypeArg,
  GARBAGE,
  indexArg,
  mix,
  numberArg,
  operandArg,
  selfArg,
  shapeArg,
  tensorArg,
  tensorOf,
  val,
} from './api-values.js';

/** One fuzzed entry point. */
export interface ApiCall {
  /** The op; a thrown error's message must contain it (or one of `names`). */
  readonly op: string;
  readonly names?: readonly string[];
  readonly args: readonly fc.Arbitrary<Arg>[];
  readonly run: (...args: never[]) => unknown;
  /** Extra checks of a returned result given the argument values; returns a problem or null. */
  readonly check?: (result: unknown, args: readonly unknown[]) => string | null;
  /** The op moves data between backends by design (copy_), so mixing backends is not wrong on its own. */
  readonly crossBackend?: boolean;
}

const ok = (...vs: unknown[]) => vs.map((v) => val(v, false));
const bad = (...vs: unknown[]) => vs.map((v) => val(v, true));

const isIntShape = (s: unknown): s is number[] => Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0);

/** The result must have the requested shape (when the shape was a valid one) and dtype (when one was asked). */
function createdAs(shapeIndex: number | null, optionsIndex: number) {
  return (result: unknown, args: readonly unknown[]): string | null => {
    const t = result as cp.Tensor;
    const shape = shapeIndex === null ? null : args[shapeIndex];
    if (isIntShape(shape) && t.shape.join() !== shape.join())
      return `returned shape [${t.shape}] for requested [${shape}]`;
    if (shape !== null && shapeIndex !== null && !isIntShape(shape) && typeof shape !== 'number')
      return `accepted the shape ${JSON.stringify(shape)} and returned shape [${t.shape}]`;
    const dtype = (args[optionsIndex] as { dtype?: unknown } | undefined)?.dtype;
    if (dtype !== undefined && t.dtype !== dtype) return `returned dtype ${t.dtype} for requested ${String(dtype)}`;
    return null;
  };
}

function allEqual(t: cp.Tensor, v: number): string | null {
  const data = t.dataSync();
  const want = t.dtype === 'float32' ? Math.fround(v) : v;
  for (let i = 0; i < data.length; i++)
    if (!Object.is(data[i], want) && !(Number.isNaN(want) && Number.isNaN(data[i])))
      return `element ${i} is ${data[i]}, expected ${want}`;
  return null;
}

const optimizerOptions = mix(
  ok(undefined, {}, { lr: 0.1 }, { lr: 0.01, weightDecay: 0.1 }, { clipNorm: 1 }),
  bad(
    { lr: -1 },
    { lr: 'abc' },
    { lr: Number.NaN },
    { learningRate: 0.1 },
    { clipnorm: 1 },
    { weight_decay: 0.1 },
    { eps: -1 },
    { clipNorm: -1 },
    { lr: null },
    'fast',
  ),
);

/** A parameter list for an optimizer: valid, empty, non-parameters, disposed, another backend's. */
const paramsArg = mix(
  [
    {
      label: '[new nn.Parameter(cp.tensor([1, -2, 3]))]',
      strict: false,
      make: (env) => [new cp.nn.Parameter(cp.tensor([1, -2, 3], { backend: env.backend }))],
    },
  ],
  [
    ...bad('abc', null, undefined, 5, [null], [{}]),
    {
      label: '[a disposed Parameter]',
      strict: true,
      make: (env) => {
        const p = new cp.nn.Parameter(cp.tensor([1, 2], { backend: env.backend }));
        p.dispose();
        return [p];
      },
    },
  ],
  [
    ...ok([]),
    {
      label: '[cp.tensor([1, 2]) (not requiring grad)]',
      strict: false,
      make: (env) => [cp.tensor([1, 2], { backend: env.backend })],
    },
  ],
);

/** A gradient to assign before `step()`: valid, another backend's, int32, wrong shape, NaN, disposed. */
const gradArg = mix(
  [
    {
      label: 'cp.tensor([0.5, 0.5, 0.5])',
      strict: false,
      make: (env) => cp.tensor([0.5, 0.5, 0.5], { backend: env.backend }),
    },
  ],
  [
    {
      label: 'cp.tensor([0.5, 0.5, 0.5]) on another backend instance',
      strict: true,
      make: (env) => cp.tensor([0.5, 0.5, 0.5], { backend: env.other }),
    },
    {
      label: 'cp.tensor([1, 2]) (wrong shape)',
      strict: true,
      make: (env) => cp.tensor([1, 2], { backend: env.backend }),
    },
    {
      label: 'a disposed tensor',
      strict: true,
      make: (env) => {
        const t = cp.tensor([1, 1, 1], { backend: env.backend });
        t.dispose();
        return t;
      },
    },
    ...bad('abc', 5),
  ],
  [
    {
      label: "cp.tensor([1, 2, 3], { dtype: 'int32' })",
      strict: false,
      make: (env) => cp.tensor([1, 2, 3], { dtype: 'int32', backend: env.backend }),
    },
    {
      label: 'cp.tensor([NaN, 1, 1])',
      strict: false,
      make: (env) => cp.tensor([Number.NaN, 1, 1], { backend: env.backend }),
    },
  ],
);

type OptimizerClass = new (params: never, options?: never) => cp.optim.Optimizer<never>;

function optimizerCalls(name: string, cls: OptimizerClass): ApiCall[] {
  return [
    { op: name, args: [paramsArg, optimizerOptions], run: (params: never, options: never) => new cls(params, options) },
    {
      op: 'step',
      names: ['step', name],
      args: [gradArg],
      run: (grad: never) => {
        // NOTE: the parameter is always on the backend under test, so a gradient of another backend is wrong.
        const p = new cp.nn.Parameter(cp.tensor([1, -2, 3]));
        const opt = new cls([p] as never, { lr: 0.1 } as never);
        (p as { grad: unknown }).grad = grad;
        const before = Array.from(p.dataSync());
        try {
          opt.step();
          return opt;
        } catch (e) {
          const after = Array.from(p.dataSync());
          for (const s of opt.state.values()) for (const v of Object.values(s)) if (v instanceof cp.Tensor) v.dispose();
          p.dispose();
          // NOTE: a failing step must leave the parameter bit-identical (an atomic step).
          if (after.some((v, i) => !Object.is(v, before[i])))
            throw new Error(
              `${name}.step() threw ${(e as Error).name} but changed the parameter [${before}] -> [${after}]`,
            );
          throw e;
        }
      },
    },
  ];
}

/** Runs `fn` on a module made for the call and disposes the module afterwards. */
function usingModule<M extends { dispose(): void }, T>(m: M, fn: (m: M) => T): T {
  try {
    return fn(m);
  } finally {
    m.dispose();
  }
}

/** Calls `fn` with a new parameter `[1, 2]`, disposing it when `fn` throws (the result owns it otherwise). */
function withParam<T>(fn: (p: cp.nn.Parameter) => T): T {
  const p = new cp.nn.Parameter(cp.tensor([1, 2]));
  try {
    return fn(p);
  } catch (e) {
    p.dispose();
    throw e;
  }
}

const method =
  (name: string) =>
  (self: never, ...rest: never[]) =>
    (self as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...rest);

/** Every fuzzed entry point. */
export const API_CALLS: readonly ApiCall[] = [
  // ---- creation
  {
    op: 'tensor',
    args: [
      mix(
        ok(
          [1, 2, 3],
          [
            [1, 2],
            [3, 4],
          ],
          5,
          [true, false],
          new Float32Array([1, 2]),
          new Int32Array([3, -4]),
        ),
        [...bad('abc', null, undefined, {}, [[1, 2], [3]], [1, 'a'], [[1], 2]), ...GARBAGE],
        ok(new Float64Array([1.5, 2]), new Uint16Array([7]), new Int8Array([-3]), [], [Number.NaN]),
      ),
      mix(
        ok(undefined, {}, { dtype: 'int32' }, { dtype: 'bool' }, { requiresGrad: true }, { shape: [3] }),
        bad(
          { dtype: 'int64' },
          { dtype: 'float64' },
          { shape: [-2, -2] },
          { shape: [1.5] },
          { requiresGrad: 'yes' },
          { dtyp: 'int32' },
          { foo: 1 },
          { backend: {} },
        ),
        ok({ shape: [1, 2] }, { shape: [4] }, { shape: [2, 2] }),
      ),
    ],
    run: (data: never, options: never) => cp.tensor(data, options),
    check: (result, [data, options]) => {
      const t = result as cp.Tensor;
      const shape = (options as { shape?: unknown } | undefined)?.shape;
      if (shape !== undefined && (!isIntShape(shape) || t.shape.join() !== shape.join()))
        return `asked for shape ${JSON.stringify(shape)}, got [${t.shape}]`;
      const dtype = (options as { dtype?: unknown } | undefined)?.dtype;
      if (dtype !== undefined && t.dtype !== dtype) return `asked for dtype ${String(dtype)}, got ${t.dtype}`;
      if (ArrayBuffer.isView(data) && !dtype) {
        const src = Array.from(data as unknown as ArrayLike<number>);
        const got = Array.from(t.dataSync());
        if (got.some((v, i) => v !== Math.fround(src[i]))) return `typed array [${src}] became ${t.dtype} [${got}]`;
      }
      return null;
    },
  },
  {
    op: 'zeros',
    args: [shapeArg, creationOptionsArg],
    run: (s: never, o: never) => cp.zeros(s, o),
    check: (r, a) => createdAs(0, 1)(r, a) ?? allEqual(r as cp.Tensor, 0),
  },
  {
    op: 'ones',
    args: [shapeArg, creationOptionsArg],
    run: (s: never, o: never) => cp.ones(s, o),
    check: (r, a) => createdAs(0, 1)(r, a) ?? allEqual(r as cp.Tensor, 1),
  },
  {
    op: 'full',
    args: [
      shapeArg,
      mix(ok(0, 1.5, -2, Number.NaN, Number.POSITIVE_INFINITY), [...bad('a', undefined, [1]), ...GARBAGE]),
      creationOptionsArg,
    ],
    run: (s: never, v: never, o: never) => cp.full(s, v, o),
    check: (r, a) =>
      createdAs(0, 2)(r, a) ?? ((r as cp.Tensor).dtype === 'float32' ? allEqual(r as cp.Tensor, a[1] as number) : null),
  },
  {
    op: 'rand',
    args: [shapeArg, creationOptionsArg],
    run: (s: never, o: never) => cp.rand(s, o),
    check: createdAs(0, 1),
  },
  {
    op: 'randn',
    args: [shapeArg, creationOptionsArg],
    run: (s: never, o: never) => cp.randn(s, o),
    check: createdAs(0, 1),
  },
  {
    op: 'arange',
    args: [
      numberArg,
      mix(ok(3, 5, -2, undefined), [...bad(Number.NaN), ...GARBAGE]),
      mix(ok(1, 0.5, -1, undefined), [...bad(Number.NaN), ...GARBAGE], ok(0)),
      creationOptionsArg,
    ],
    run: (a: never, b: never, s: never, o: never) => cp.arange(a, b, s, o),
    check: (r) => ((r as cp.Tensor).size > 1e6 ? `returned ${(r as cp.Tensor).size} elements` : null),
  },
  {
    op: 'linspace',
    args: [numberArg, numberArg, countArg, creationOptionsArg],
    run: (a: never, b: never, n: never, o: never) => cp.linspace(a, b, n, o),
    check: (r, [, , n]) =>
      (r as cp.Tensor).size !== n ? `returned ${(r as cp.Tensor).size} steps for ${String(n)}` : null,
  },
  {
    op: 'eye',
    args: [countArg, mix(ok(undefined, 2, 3), [...bad(1.5, Number.NaN), ...GARBAGE], ok(0, -1)), creationOptionsArg],
    run: (n: never, m: never, o: never) => cp.eye(n, m, o),
  },
  {
    op: 'randint',
    args: [
      mix(ok(0, -3, 1), [...bad(0.5, Number.NaN), ...GARBAGE]),
      mix(ok(5, 2), [...bad(Number.NaN, 2.5), ...GARBAGE], ok(2 ** 40, 0)),
      shapeArg,
    ],
    run: (lo: never, hi: never, s: never) => cp.randint(lo, hi, s),
    check: (r, [lo, hi]) => {
      const data = Array.from((r as cp.Tensor).dataSync());
      const out = data.find((v) => v < (lo as number) || v >= (hi as number));
      return out === undefined ? null : `value ${out} is outside [${String(lo)}, ${String(hi)})`;
    },
  },
  {
    op: 'randperm',
    args: [countArg],
    run: (n: never) => cp.randperm(n),
    check: (r, [n]) =>
      (r as cp.Tensor).size !== n ? `returned ${(r as cp.Tensor).size} values for n = ${String(n)}` : null,
  },
  { op: 'zerosLike', args: [tensorArg, creationOptionsArg], run: (t: never, o: never) => cp.zerosLike(t, o) },
  {
    op: 'fullLike',
    // NOTE: a boolean fill value is valid (true is 1), as in torch.full_like.
    args: [
      tensorArg,
      mix(
        ok(0, 1, -1, 0.5, Number.NaN, true, false),
        bad('1', null, {}, () => 1),
        ok(2 ** 40),
      ),
      creationOptionsArg,
    ],
    run: (t: never, v: never, o: never) => cp.fullLike(t, v, o),
  },
  // ---- Tensor methods
  {
    op: 'reshape',
    args: [
      selfArg,
      // NOTE: not shapeArg: -1 (one inferred size) is valid here.
      mix(
        ok([2, 3], [6], [-1], [3, -1], [-1, 1, 2]),
        [...bad([-1, -1], [-2, 3], [0.5, -1], [1.5], [Number.NaN], ['2'], '2,3'), ...GARBAGE],
        ok([4, -1], [5], [], [0]),
      ),
    ],
    run: (t: never, s: never) => method('reshape')(t, s),
  },
  {
    op: 'sum',
    args: [
      selfArg,
      dimsArg,
      mix(ok(undefined, {}, { keepdim: true }), bad({ keepdim: 'yes' }, { keepDim: true }, 'keepdim')),
    ],
    run: (t: never, d: never, o: never) => method('sum')(t, d, o),
  },
  { op: 'mean', args: [selfArg, dimsArg], run: (t: never, d: never) => method('mean')(t, d) },
  { op: 'max', args: [selfArg, dimsArg], run: (t: never, d: never) => method('max')(t, d) },
  { op: 'argmax', args: [selfArg, dimArg], run: (t: never, d: never) => method('argmax')(t, d) },
  { op: 'softmax', args: [selfArg, dimArg], run: (t: never, d: never) => method('softmax')(t, d) },
  {
    op: 'permute',
    args: [
      selfArg,
      mix(
        ok([1, 0], [0, 1]),
        [...bad([0.5, 1], ['1', '0'], [Number.NaN, 0]), ...GARBAGE],
        ok([0, 0], [0], [5, 0], [-1, 0]),
      ),
    ],
    run: (t: never, d: never) => method('permute')(t, d),
  },
  {
    op: 'transpose',
    args: [selfArg, dimArg, dimArg],
    run: (t: never, a: never, b: never) => method('transpose')(t, a, b),
  },
  {
    op: 'slice',
    args: [
      selfArg,
      dimArg,
      // NOTE: null start/end mean "from the beginning" / "to the end", like Python's None.
      mix(ok(0, 1, -1, undefined, null), [...bad(0.5, Number.NaN, '1', {}, true, () => 1)], ok(10, -10)),
      mix(ok(2, undefined, -1, null), [...bad(1.5, Number.NaN, '1', {}, true, () => 1)], ok(10)),
      mix(ok(1, 2), [...bad(0.5, Number.NaN), ...GARBAGE], ok(0, -1)),
    ],
    run: (t: never, d: never, s: never, e: never, st: never) => method('slice')(t, d, s, e, st),
  },
  {
    op: 'narrow',
    args: [selfArg, dimArg, countArg, countArg],
    run: (t: never, d: never, s: never, l: never) => method('narrow')(t, d, s, l),
  },
  { op: 'expand', args: [selfArg, shapeArg], run: (t: never, s: never) => method('expand')(t, s) },
  { op: 'broadcastTo', args: [tensorArg, shapeArg], run: (t: never, s: never) => cp.broadcastTo(t, s) },
  {
    op: 'squeeze',
    args: [selfArg, mix(ok(undefined, 0, 1), [...bad(0.5, Number.NaN), ...GARBAGE], ok(5))],
    run: (t: never, d: never) => method('squeeze')(t, d),
  },
  { op: 'unsqueeze', args: [selfArg, dimArg], run: (t: never, d: never) => method('unsqueeze')(t, d) },
  {
    op: 'to',
    names: ['to', 'cast'],
    args: [selfArg, dtypeArg],
    run: (t: never, d: never) => method('to')(t, d),
    check: (r, [, d]) =>
      (r as cp.Tensor).dtype !== d ? `returned dtype ${(r as cp.Tensor).dtype} for ${String(d)}` : null,
  },
  { op: 'item', args: [selfArg], run: (t: never) => method('item')(t) },
  { op: 'gather', args: [selfArg, dimArg, indexArg], run: (t: never, d: never, i: never) => method('gather')(t, d, i) },
  {
    op: 'indexSelect',
    args: [selfArg, dimArg, indexArg],
    run: (t: never, d: never, i: never) => method('indexSelect')(t, d, i),
  },
  { op: 'split', args: [selfArg, countArg, dimArg], run: (t: never, s: never, d: never) => method('split')(t, s, d) },
  { op: 'chunk', args: [selfArg, countArg, dimArg], run: (t: never, n: never, d: never) => method('chunk')(t, n, d) },
  {
    op: 'clamp',
    args: [
      selfArg,
      mix(ok(0, -1, undefined), [...bad('0', {}), tensorOf('float'), tensorOf('other')], ok(Number.NaN, null)),
      mix(ok(1, 2, undefined), [...bad('1', {}), tensorOf('vector')], ok(Number.NaN, null, -5)),
    ],
    run: (t: never, lo: never, hi: never) => method('clamp')(t, lo, hi),
  },
  { op: 'add', args: [selfArg, operandArg], run: (a: never, b: never) => method('add')(a, b) },
  { op: 'mul', args: [selfArg, operandArg], run: (a: never, b: never) => method('mul')(a, b) },
  { op: 'pow', args: [selfArg, operandArg], run: (a: never, b: never) => method('pow')(a, b) },
  { op: 'matmul', args: [selfArg, tensorArg], run: (a: never, b: never) => method('matmul')(a, b) },
  {
    op: 'where',
    args: [selfArg, tensorArg, operandArg],
    run: (a: never, c: never, b: never) => method('where')(a, c, b),
  },
  {
    op: 'norm',
    args: [selfArg, mix(ok(2, 1, Number.POSITIVE_INFINITY, 3), [...bad(Number.NaN), ...GARBAGE], ok(0, -1)), dimsArg],
    run: (t: never, p: never, d: never) => method('norm')(t, p, d),
  },
  { op: 'flatten', args: [selfArg, dimArg, dimArg], run: (t: never, a: never, b: never) => method('flatten')(t, a, b) },
  // NOTE: a boolean fill value is valid (true is 1), as in torch.Tensor.fill_.
  {
    op: 'fill_',
    args: [
      selfArg,
      mix(
        ok(0, 1, -1, 0.5, Number.NaN, true, false),
        bad('1', null, {}, () => 1),
        ok(2 ** 40),
      ),
    ],
    run: (t: never, v: never) => method('fill_')(t, v),
  },
  {
    op: 'copy_',
    args: [selfArg, tensorArg],
    run: (t: never, s: never) => method('copy_')(t, s),
    crossBackend: true,
  },
  {
    op: 'requiresGrad_',
    args: [selfArg, mix(ok(true, false, undefined), bad('yes', 1, null))],
    run: (t: never, v: never) => method('requiresGrad_')(t, v),
  },
  {
    op: 'backward',
    args: [
      selfArg,
      mix(
        ok(undefined),
        [tensorOf('other'), tensorOf('disposed'), ...bad('abc', 1)],
        [tensorOf('float'), tensorOf('int'), tensorOf('scalar')],
      ),
    ],
    run: (t: never, g: never) => {
      const self = t as unknown;
      if (!(self instanceof cp.Tensor) || self.isDisposed || self.dtype !== 'float32') return method('backward')(t, g);
      const x = cp.tensor(self.dataSync() as Float32Array, {
        shape: self.shape,
        backend: self.backend,
        requiresGrad: true,
      });
      cp.mul(x, 2).backward(g);
      return x;
    },
  },
  // ---- functional ops
  {
    op: 'cat',
    args: [
      mix(
        [
          {
            label: '[float, float]',
            strict: false,
            make: (env) => [tensorOf('float').make(env), tensorOf('float').make(env)],
          },
        ],
        [
          ...bad('abc', null, 5, [null]),
          {
            label: '[float, a disposed tensor]',
            strict: true,
            make: (env) => [tensorOf('float').make(env), tensorOf('disposed').make(env)],
          },
          {
            label: '[float, another backend’s tensor]',
            strict: true,
            make: (env) => [tensorOf('float').make(env), tensorOf('other').make(env)],
          },
          { label: "[float, 'a']", strict: true, make: (env) => [tensorOf('float').make(env), 'a'] },
        ],
        [
          ...ok([]),
          {
            label: '[cp.tensor(2), cp.tensor(2)] (0-d)',
            strict: false,
            make: (env) => [tensorOf('scalar').make(env), tensorOf('scalar').make(env)],
          },
          {
            label: '[float, vector]',
            strict: false,
            make: (env) => [tensorOf('float').make(env), tensorOf('vector').make(env)],
          },
        ],
      ),
      dimArg,
    ],
    run: (ts: never, d: never) => cp.cat(ts, d),
  },
  {
    op: 'stack',
    args: [
      mix(
        [
          {
            label: '[float, float]',
            strict: false,
            make: (env) => [tensorOf('float').make(env), tensorOf('float').make(env)],
          },
        ],
        bad('abc', null, [null]),
        ok([]),
      ),
      dimArg,
    ],
    run: (ts: never, d: never) => cp.stack(ts, d),
  },
  { op: 'where', args: [tensorArg, operandArg, operandArg], run: (c: never, a: never, b: never) => cp.where(c, a, b) },
  { op: 'exp', args: [tensorArg], run: (x: never) => cp.exp(x) },
  { op: 'log', args: [tensorArg], run: (x: never) => cp.log(x) },
  { op: 'relu', args: [tensorArg], run: (x: never) => cp.relu(x) },
  { op: 'add', args: [operandArg, operandArg], run: (a: never, b: never) => cp.add(a, b) },
  {
    op: 'sum',
    args: [tensorArg, dimsArg, mix(ok(true, false, undefined), bad('yes', 1))],
    run: (x: never, d: never, k: never) => cp.sum(x, d, k),
  },
  { op: 'logSoftmax', args: [tensorArg, dimArg], run: (x: never, d: never) => cp.logSoftmax(x, d) },
  // ---- nn
  {
    op: 'Linear',
    args: [countArg, countArg, mix(ok(undefined, {}, { bias: false }), bad('bias', 5))],
    run: (i: never, o: never, opts: never) => new cp.nn.Linear(i, o, opts),
  },
  {
    op: 'linear',
    names: ['linear', 'matmul', 'Linear'],
    args: [tensorArg],
    run: (x: never) => usingModule(new cp.nn.Linear(3, 2), (m) => m.call(x)),
  },
  { op: 'Embedding', args: [countArg, countArg], run: (n: never, d: never) => new cp.nn.Embedding(n, d) },
  {
    op: 'embedding',
    names: ['Embedding', 'embedding', 'indexSelect'],
    args: [indexArg],
    run: (i: never) => usingModule(new cp.nn.Embedding(2, 3), (m) => m.call(i)),
  },
  {
    op: 'LayerNorm',
    args: [mix(ok(3, [3], [2, 3]), [...bad(1.5, Number.NaN, [1.5]), ...GARBAGE], ok(0, -1, []))],
    run: (s: never) => new cp.nn.LayerNorm(s),
  },
  {
    op: 'layerNorm',
    names: ['layerNorm', 'LayerNorm'],
    args: [tensorArg],
    run: (x: never) => usingModule(new cp.nn.LayerNorm(3), (m) => m.call(x)),
  },
  {
    op: 'Dropout',
    args: [mix(ok(0, 0.5, 1), [...bad(Number.NaN), ...GARBAGE], ok(-0.1, 1.5))],
    run: (p: never) => new cp.nn.Dropout(p),
  },
  {
    op: 'crossEntropy',
    args: [
      tensorArg,
      indexArg,
      mix(
        ok(undefined, {}, { reduction: 'sum' }, { labelSmoothing: 0.1 }),
        bad({ reduction: 'avg' }, { labelSmoothing: 2 }, { labelSmoothing: Number.NaN }, { reduce: 'sum' }),
      ),
    ],
    run: (x: never, t: never, o: never) => cp.F.crossEntropy(x, t, o),
  },
  {
    op: 'mseLoss',
    args: [tensorArg, tensorArg, mix(ok(undefined, { reduction: 'none' }), bad({ reduction: 'avg' }, 'sum'))],
    run: (a: never, b: never, o: never) => cp.F.mseLoss(a, b, o),
  },
  {
    op: 'linear',
    args: [tensorArg, tensorArg, mix(ok(undefined, null), [tensorOf('vector'), tensorOf('other'), ...bad('b')])],
    run: (x: never, w: never, b: never) => cp.F.linear(x, w, b),
  },
  // ---- optimizers
  ...optimizerCalls('SGD', cp.optim.SGD as unknown as OptimizerClass),
  ...optimizerCalls('Adam', cp.optim.Adam as unknown as OptimizerClass),
  ...optimizerCalls('AdamW', cp.optim.AdamW as unknown as OptimizerClass),
  ...optimizerCalls('RMSprop', cp.optim.RMSprop as unknown as OptimizerClass),
  ...optimizerCalls('Adagrad', cp.optim.Adagrad as unknown as OptimizerClass),
  {
    op: 'SGD',
    args: [
      mix(
        ok({ momentum: 0.9 }, { momentum: 0.9, nesterov: true }),
        bad({ momentum: -1 }, { momentum: 'high' }, { nesterov: 'yes' }, { dampening: Number.NaN }),
      ),
    ],
    run: (o: never) => withParam((p) => new cp.optim.SGD([p], o)),
  },
  {
    op: 'Adam',
    args: [
      mix(
        ok({ betas: [0.9, 0.99] }, { amsgrad: true }),
        bad({ betas: [2, 2] }, { betas: 0.9 }, { betas: [0.9] }, { beta1: 0.9 }, { amsgrad: 'yes' }),
      ),
    ],
    run: (o: never) => withParam((p) => new cp.optim.Adam([p], o)),
  },
];
