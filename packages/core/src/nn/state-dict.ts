/**
 * State dicts: a module's parameters and persistent buffers by dotted name, plus the parameters'
 * constraint specs in a non-enumerable `_metadata`. Loading checks every key and shape before writing
 * anything, copies in place so optimizers keep tracking the same Parameter objects, then restores the
 * constraint specs and makes every constrained parameter feasible.
 */
import { noGrad } from '../autograd/grad-mode.js';
import {
  applyConstraints,
  type ConstraintSpec,
  constraintSpecs,
  loadConstraintSpecs,
} from '../constraints/registry.js';
import { tidy } from '../engine/scope.js';
import { CpError, fmtShape } from '../errors.js';
import { sameShape } from '../tensor/shape.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import type { AnyModule } from './module.js';
import { Parameter } from './parameter.js';

/** Tensors by dotted name. A dict from `stateDict()` also has a non-enumerable `_metadata: StateDictMetadata`. */
export type StateDict = Record<string, Tensor>;

/** What `stateDict()` attaches as `_metadata` besides the tensors. */
export interface StateDictMetadata {
  /** Constraint specs per parameter name (only parameters that have constraints). */
  constraints: Record<string, ConstraintSpec[]>;
}

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (default true). Shape mismatches always throw. */
  strict?: boolean;
}

/** What `loadStateDict` reports. */
export interface LoadStateDictResult {
  /** Keys the module has that the dict lacks. */
  missingKeys: string[];
  /** Keys of the dict the module does not have. */
  unexpectedKeys: string[];
}

/** A state dict that does not fit the module: missing or unexpected keys, or shape mismatches. */
export class StateDictError extends CpError {
  override name = 'StateDictError';
}

/** The `_metadata` of a state dict, if it has one. */
export function stateDictMetadata(stateDict: StateDict): StateDictMetadata | undefined {
  return (stateDict as { _metadata?: StateDictMetadata })._metadata;
}

/** Every tensor a state dict holds for `module`, by dotted name (shared tensors under each name, like PyTorch). */
function stateTargets(module: AnyModule, prefix: string, out: Map<string, Tensor>): Map<string, Tensor> {
  const own = module._ownState();
  for (const [k, p] of own.params) if (p) out.set(prefix + k, p);
  for (const [k, b, persistent] of own.buffers) if (b && persistent) out.set(prefix + k, b);
  for (const [k, m] of own.modules) if (m) stateTargets(m, `${prefix}${k}.`, out);
  return out;
}

/** @internal `module.stateDict()`. */
export function stateDictOf(module: AnyModule, prefix: string): StateDict {
  const sd: StateDict = {};
  const constraints: Record<string, ConstraintSpec[]> = {};
  for (const [k, t] of stateTargets(module, prefix ? `${prefix}.` : '', new Map())) {
    sd[k] = t.detach();
    if (t instanceof Parameter) {
      const specs = constraintSpecs(t);
      if (specs.length > 0) constraints[k] = specs;
    }
  }
  const metadata: StateDictMetadata = { constraints };
  Object.defineProperty(sd, '_metadata', { value: metadata, enumerable: false, writable: true, configurable: true });
  return sd;
}

/** @internal `module.loadStateDict(sd, options)`. */
export function loadStateDictInto(
  module: AnyModule,
  sd: StateDict,
  options?: LoadStateDictOptions,
): LoadStateDictResult {
  if (sd === null || typeof sd !== 'object')
    throw new StateDictError(`loadStateDict: expected an object of tensors, got ${sd === null ? 'null' : typeof sd}`);
  const strict = options?.strict ?? true;
  const targets = stateTargets(module, '', new Map());
  const missingKeys = [...targets.keys()].filter((k) => !Object.hasOwn(sd, k));
  const unexpectedKeys = Object.keys(sd).filter((k) => !targets.has(k));
  const errors: string[] = [];
  if (strict && missingKeys.length > 0) errors.push(`Missing key(s): ${missingKeys.map((k) => `'${k}'`).join(', ')}.`);
  if (strict && unexpectedKeys.length > 0)
    errors.push(`Unexpected key(s): ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}.`);
  const pairs: [Tensor, Tensor][] = [];
  for (const [k, target] of targets) {
    if (!Object.hasOwn(sd, k)) continue;
    const src = sd[k];
    if (!isTensor(src)) {
      errors.push(`'${k}' is not a tensor (got ${typeof src}).`);
    } else if (!sameShape(src.shape, target.shape)) {
      errors.push(
        `size mismatch for '${k}': the state dict has shape ${fmtShape(src.shape)}, the module has ${fmtShape(target.shape)}.`,
      );
    } else {
      pairs.push([target, src]);
    }
  }
  if (errors.length > 0) {
    throw new StateDictError(
      `loadStateDict: error(s) loading the state dict into ${module.constructor.name}:\n  ${errors.join('\n  ')}`,
    );
  }
  noGrad(() =>
    tidy(() => {
      for (const [target, src] of pairs) target.copy_(src);
    }),
  );
  const specs = stateDictMetadata(sd)?.constraints;
  if (specs) {
    const done = new Set<Parameter>();
    for (const [k, list] of Object.entries(specs)) {
      const target = targets.get(k);
      if (target instanceof Parameter && !done.has(target)) {
        done.add(target);
        loadConstraintSpecs(target, list);
      }
    }
  }
  // NOTE: a loaded value may lie outside a constraint the module already carries; project it so the
  // invariant "constraints hold" survives loading (and a reparametrized parameter's raw tensor follows).
  applyConstraints(pairs.map(([target]) => target).filter((t): t is Parameter => t instanceof Parameter));
  return { missingKeys, unexpectedKeys };
}
