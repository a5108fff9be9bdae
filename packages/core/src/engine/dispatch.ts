/**
 * What every op does around its kernel, in one place: name the op (`withOp`, for errors and the profiler),
 * pick the backend that holds the inputs, allocate the output, run the kernel (`runKernel`, or `runFused`
 * for an optional fused kernel after `hasFused`), and record the autograd node when an input needs a
 * gradient (`recorder`, bound to a file's table of rules). No other file of core calls a backend kernel.
 *
 * A kernel that throws is reported as a `CpError` naming the op and the input shapes: a backend's own
 * `CpError` keeps its class (an `OutOfMemoryError` stays one) and gains that context; anything else (a
 * RangeError, a wasm trap) becomes a `BackendError` with the original as `cause`. The profiler
 * (engine/profiler.ts) hooks in here only; with no profile running each op pays one boolean check.
 */

import { anomalyState, checkForward } from '../autograd/anomaly.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { GradRule, GradRules, RuleSpec } from '../autograd/node.js';
import type { Backend } from '../backend/backend.js';
import { type DType, isDType } from '../backend/dtype.js';
import type { FusedKernelArgs, FusedKernelName } from '../backend/fused-kernels.js';
import type { KernelArgs, KernelName } from '../backend/kernels.js';
import { getBackend } from '../backend/registry.js';
import {
  BackendError,
  CpError,
  DTypeError,
  fmtShape,
  OutOfMemoryError,
  ShapeError,
  UnsupportedError,
} from '../errors.js';
import { type Shape, sizeOf } from '../tensor/shape.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { adoptRecorded, noteFailure, tidy } from './lifetime.js';
import { outOfMemoryAdvice } from './memory.js';
import { addKernelTime, closeFrame, openFrame, profiler, profilerNow } from './profiler.js';
import { allocStorage } from './storage.js';

// ---- the op context ---------------------------------------------------------------------------------

/** Prefixes a `CpError`'s message with `op` (once) so it names the public op the user called. */
function named(op: string, e: unknown): unknown {
  if (e instanceof CpError && !e.message.startsWith(`${op}:`)) e.message = `${op}: ${e.message}`;
  return e;
}

/**
 * Runs the body of public op `op`: a `CpError` raised inside names `op` first (`crossEntropy: reshape: ...`),
 * the profiler times it as one call of `op`, and the tensors it made and does not return (casts, scalar
 * operands, intermediates no returned graph needs) are freed when it returns, as `tidy` frees them (the
 * lifetime rule, engine/lifetime.ts). Every public op's entry runs in one.
 */
export function withOp<T>(op: string, body: () => T): T {
  if (profiler.on) return profiled(op, () => tidy(body), true);
  try {
    return tidy(body);
  } catch (e) {
    noteFailure();
    throw named(op, e);
  }
}

/** Runs `body` as a profiler frame named `name`, without touching error messages (the backward pass). */
export function withFrame<T>(name: string, body: () => T): T {
  return profiler.on ? profiled(name, body, false) : body();
}

/** Runs the gradient rule of op `op` (`body`) as the profiler frame `<op>.backward`. */
export function withRuleFrame<T>(op: string, body: () => T): T {
  return profiler.on ? profiled(`${op}.backward`, body, false) : body();
}

function profiled<T>(op: string, body: () => T, name: boolean): T {
  const frame = openFrame(op);
  try {
    return body();
  } catch (e) {
    noteFailure();
    throw name ? named(op, e) : e;
  } finally {
    if (frame) closeFrame(frame);
  }
}

// ---- kernels ----------------------------------------------------------------------------------------

type KernelTable = { readonly [name: string]: ((args: never) => void) | undefined };

function shapesOf(inputs: readonly Tensor[]): string {
  if (inputs.length === 0) return 'no tensor inputs';
  return `input shapes ${inputs.map((t) => fmtShape(t.shape)).join(', ')}`;
}

/** The error to throw for `e`, raised by kernel `kernel` of `backend` while running op `op`. */
function kernelFailure(e: unknown, backend: Backend, kernel: string, op: string, inputs: readonly Tensor[]): Error {
  const where = `kernel '${kernel}' of backend '${backend.name}', ${shapesOf(inputs)}`;
  if (e instanceof CpError) {
    e.message = `${e.message.startsWith(`${op}:`) ? '' : `${op}: `}${e.message} (in ${where})`;
    return e;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new BackendError(`${op}: the backend failed in ${where}: ${what}`, { cause: e });
}

function invoke<A>(
  table: KernelTable,
  kernel: string,
  args: A,
  backend: Backend,
  op: string,
  inputs: readonly Tensor[],
): void {
  const fn = table[kernel] as ((args: A) => void) | undefined;
  if (typeof fn !== 'function') {
    throw new UnsupportedError(`${op}: backend '${backend.name}' has no kernel '${kernel}' (${shapesOf(inputs)})`);
  }
  try {
    if (!profiler.on) {
      fn.call(table, args);
      return;
    }
    const start = profilerNow();
    try {
      fn.call(table, args);
    } finally {
      addKernelTime(op, profilerNow() - start);
    }
  } catch (e) {
    throw kernelFailure(e, backend, kernel, op, inputs);
  }
}

/**
 * Runs the required kernel `kernel` of `backend` for public op `op`, whose tensor operands are `inputs`
 * (their shapes go into the error message when the kernel fails).
 */
export function runKernel<K extends KernelName>(
  backend: Backend,
  kernel: K,
  args: KernelArgs[K],
  op: string,
  inputs: readonly Tensor[],
): void {
  invoke(backend.kernels as KernelTable, kernel, args, backend, op, inputs);
}

/**
 * True when `backend` provides the optional fused kernel `name` (and, with `inPlace`, can write its output
 * over an input). The one way core asks for a fused kernel; its fallback is core's composite.
 */
export function hasFused(backend: Backend, name: FusedKernelName, inPlace = false): boolean {
  return typeof backend.fused[name] === 'function' && (!inPlace || backend.capabilities.inPlace);
}

/** Runs the fused kernel `name` (check `hasFused` first) for public op `op`; see `runKernel`. */
export function runFused<K extends FusedKernelName>(
  backend: Backend,
  name: K,
  args: FusedKernelArgs[K],
  op: string,
  inputs: readonly Tensor[],
): void {
  invoke(backend.fused as KernelTable, name, args, backend, op, inputs);
}

// ---- backends and outputs ---------------------------------------------------------------------------

/** The backend holding `tensors` (all must agree), or the current backend when there are none. */
export function backendOf(op: string, ...tensors: Tensor[]): Backend {
  if (tensors.length === 0) return getBackend();
  const b = tensors[0].storage.backend;
  for (const t of tensors) {
    if (t.storage.backend !== b) {
      throw new BackendError(
        `${op}: tensors are on different backends ('${b.name}' and '${t.storage.backend.name}'); move one with .to(backend)`,
      );
    }
  }
  return b;
}

/**
 * A new tensor with uninitialized storage, for the output of an op on `inputs` (they decide the iteration
 * the output joins, see engine/lifetime.ts).
 */
export function empty(backend: Backend, shape: Shape, dtype: DType, inputs?: readonly Tensor[]): Tensor {
  // NOTE: the last line of defence; public entry points check dtypes and shapes with the op's name first.
  if (!isDType(dtype)) throw new DTypeError(`cannot allocate a tensor of unknown dtype ${String(dtype)}`);
  const size = sizeOf(shape);
  if (!Number.isSafeInteger(size) || size < 0 || !shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`cannot allocate a tensor of shape ${fmtShape(shape)}`);
  let storage: ReturnType<typeof allocStorage>;
  try {
    storage = allocStorage(backend, dtype, size);
  } catch (e) {
    if (e instanceof OutOfMemoryError) e.message += ` ${outOfMemoryAdvice()}`;
    if (e instanceof CpError) throw e;
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new BackendError(`backend '${backend.name}' failed to allocate ${fmtShape(shape)} ${dtype}: ${what}`, {
      cause: e,
    });
  }
  return fromStorage(storage, shape, dtype, inputs);
}

// ---- the graph --------------------------------------------------------------------------------------

/** True when recording `inputs` would need a graph node. */
function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** What an op tells `record` about its node; `saved` and `ctx` are typed by the rule table's declaration. */
export interface NodeSpec<S extends RuleSpec> {
  /** The op's tensor inputs, in the order its rule returns their gradients. */
  inputs: Tensor[];
  /** The tensors the rule reads; the node holds them until the graph is released. */
  saved: S['saved'];
  /** The non-tensor parameters the rule reads (dims, shapes, scalars, the kernel op). */
  ctx: S['ctx'];
  /** The name messages show, when it is not the rule's (an identity rule recorded by `permute`, say). */
  name?: string;
}

/** Records `out`'s node; see `recorder`. */
export type RecordFn<Ops extends { [P in keyof Ops]: RuleSpec }> = <P extends keyof Ops & string>(
  out: Tensor,
  op: P,
  spec: NodeSpec<Ops[P]>,
) => Tensor;

/**
 * The `record` of one table of rules: `record(out, op, { inputs, saved, ctx })` attaches a graph node that
 * runs `rules[op]` when an input needs a gradient, and returns `out`. Only an op of the table can be
 * recorded, and only with what its declaration says it saves.
 */
export function recorder<Ops extends { [P in keyof Ops]: RuleSpec }>(rules: GradRules<Ops>): RecordFn<Ops> {
  return (out, op, spec) => {
    const name = spec.name ?? op;
    if (anomalyState.on) checkForward(name, spec.inputs, out);
    if (needsGrad(spec.inputs)) {
      out.requiresGrad = true;
      // NOTE: the one widening of a rule's parameter types: the node holds what this spec declared for it.
      const rule = rules[op] as unknown as GradRule;
      out._node = { op: name, inputs: spec.inputs, saved: spec.saved as Tensor[], ctx: spec.ctx, rule };
      adoptRecorded(out, spec.inputs);
    }
    return out;
  };
}
