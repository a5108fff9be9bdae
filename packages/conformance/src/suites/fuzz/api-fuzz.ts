/**
 * API fuzzing: wrong inputs to the public API (api-calls.ts, api-values.ts). Every call must end in a
 * correct, well-formed result or in a `CpError` subclass whose message names the op; an input that is
 * wrong on its own (a wrong JS type, an unknown dtype or option key, a disposed tensor, another backend's
 * tensor) must throw. Never a bare TypeError/RangeError or a crash. After every call a canary computation
 * must still give the right answers, and the backend's live storage must not grow across the calls.
 */
import * as cp from '@cp/core';
import type { Backend } from '@cp/core/backend';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { SuiteContext } from '../../context.js';
import { createReferenceBackend } from '../../reference/reference-backend.js';
import { API_CALLS, type ApiCall } from './api-calls.js';
import type { Arg, ArgEnv } from './api-values.js';

// NOTE: no Node types here: the suite also runs in browsers, where there is no `process`.
const env: Record<string, string | undefined> =
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};

/** Calls per entry point in the test command (CP_API_RUNS overrides). */
export const DEFAULT_API_RUNS = 100;

/** Live handles a run may add beyond its level after the first calls (optimizer state, caches). */
const STORAGE_SLACK = 64;

const DTYPES = new Set(['float32', 'int32', 'bool']);

/** A problem with a returned value that no correct op returns (bad shape, wrong size, non-0/1 bools), or null. */
function malformed(result: unknown): string | null {
  const tensors =
    result instanceof cp.Tensor ? [result] : Array.isArray(result) ? result.filter((t) => t instanceof cp.Tensor) : [];
  for (const t of tensors as cp.Tensor[]) {
    if (t.isDisposed) return 'returned a disposed tensor';
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0))
      return `returned a tensor of shape [${t.shape.join(', ')}]`;
    if (!DTYPES.has(t.dtype)) return `returned a tensor of dtype '${t.dtype}'`;
    const size = t.shape.reduce((a, d) => a * d, 1);
    if (t.size !== size) return `returned a tensor of shape [${t.shape}] and size ${t.size}`;
    const data = t.dataSync();
    if (data.length !== size) return `returned a tensor of shape [${t.shape}] holding ${data.length} elements`;
    if (t.dtype === 'bool' && Array.from(data).some((v) => v !== 0 && v !== 1))
      return `returned a bool tensor holding [${Array.from(data).join(', ')}]`;
  }
  return null;
}

function describeThrown(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `the non-error ${String(e)}`;
}

/**
 * Frees what a call made that outlives `tidy` by design: modules, optimizers (their parameters and state),
 * parameters and gradients, so the storage check sees only what cp itself leaks.
 */
function release(v: unknown): void {
  if (v instanceof cp.Tensor) {
    v.grad?.dispose();
    v.dispose();
  } else if (Array.isArray(v)) {
    for (const x of v) release(x);
  } else if (v instanceof cp.nn.Module) {
    v.dispose();
  } else if (v instanceof cp.optim.Optimizer) {
    for (const g of v.paramGroups) release(g.params);
    for (const s of v.state.values()) release(Object.values(s));
  }
}

/** Runs one call in `tidy`; returns what was wrong with its outcome, or null. */
export function runCall(call: ApiCall, args: readonly Arg[], argEnv: ArgEnv): string | null {
  const strict =
    args.some((a) => a.strict) ||
    (!call.crossBackend && args.some((a) => a.on === 'main') && args.some((a) => a.on === 'other'));
  return cp.tidy(() => {
    const values = args.map((a) => a.make(argEnv));
    let result: unknown;
    try {
      result = (call.run as (...a: unknown[]) => unknown)(...values);
    } catch (e) {
      release(values);
      if (!(e instanceof cp.CpError)) return `threw ${describeThrown(e)} (not a CpError)`;
      const names = call.names ?? [call.op];
      if (!names.some((n) => e.message.includes(n)))
        return `threw ${e.name} whose message does not name '${call.op}': ${e.message}`;
      return null;
    }
    try {
      if (strict)
        return `accepted an invalid input (returned ${result instanceof cp.Tensor ? result.toString() : typeof result})`;
      return malformed(result) ?? call.check?.(result, values) ?? null;
    } finally {
      release(result);
      release(values);
    }
  });
}

/** Right answers from a few ops, or what went wrong (a corrupted backend shows up here). */
export function canary(backend: Backend): string | null {
  try {
    return canaryOps(backend);
  } catch (e) {
    return `the canary threw ${describeThrown(e)}`;
  }
}

function canaryOps(backend: Backend): string | null {
  return cp.tidy(() => {
    const sum = Array.from(cp.add(cp.tensor([1, 2], { backend }), cp.tensor([3, 4], { backend })).dataSync());
    if (sum[0] !== 4 || sum[1] !== 6) return `[1, 2] + [3, 4] gave [${sum}]`;
    const total = cp.full([1000], 1, { backend }).sum().item();
    if (total !== 1000) return `full([1000], 1).sum() gave ${total}`;
    const mm = Array.from(
      cp
        .matmul(
          cp.tensor(
            [
              [1, 2],
              [3, 4],
            ],
            { backend },
          ),
          cp.tensor([[1], [1]], { backend }),
        )
        .dataSync(),
    );
    if (mm[0] !== 3 || mm[1] !== 7) return `[[1, 2], [3, 4]] @ [[1], [1]] gave [${mm}]`;
    return null;
  });
}

/** API fuzzing of every entry point in api-calls.ts. */
export function apiFuzzSuite(ctx: SuiteContext): void {
  describe('API fuzzing', () => {
    let other: Backend | null = null;
    beforeAll(() => {
      other = createReferenceBackend();
    });
    afterAll(() => other?.dispose());

    API_CALLS.forEach((call, k) => {
      test(`${call.op} (entry ${k}): wrong inputs end in a CpError naming the op or a correct result, and the engine stays right`, () => {
        const backend = ctx.backend();
        const argEnv: ArgEnv = { backend, other: other! };
        let calls = 0;
        let level = 0;
        fc.assert(
          fc.property(fc.tuple(...call.args), (args) => {
            const what = `${call.op}(${args.map((a) => a.label).join(', ')})`;
            let problem: string | null;
            try {
              problem = runCall(call, args, argEnv);
            } catch (e) {
              problem = `broke tidy: ${describeThrown(e)}`;
            }
            if (problem) throw new Error(`${what} ${problem}`);
            const wrong = canary(backend);
            if (wrong) throw new Error(`after ${what} the engine gives wrong answers: ${wrong}`);
            calls++;
            const handles = backend.stats().handles;
            if (calls === 10) level = handles;
            if (calls > 10 && handles > level + STORAGE_SLACK)
              throw new Error(
                `live storage grows: ${handles} handles after ${calls} calls, ${level} after 10 (last call ${what})`,
              );
          }),
          { numRuns: Number(env.CP_API_RUNS ?? DEFAULT_API_RUNS), seed: ctx.seed },
        );
      });
    });
  });
}
