/**
 * Finding a submodule, parameter or buffer of a module by dotted name (`'encoder.0.weight'`), with errors
 * that list what is there. Used by `Module.getSubmodule/getParameter/getBuffer`.
 */
import type { Tensor } from '../tensor/tensor.js';
import { type AnyModule, ModuleError } from './module-types.js';
import type { Parameter } from './parameter.js';

/** The submodule of `root` at a dotted path (`''` is `root`). */
export function findSubmodule(root: AnyModule, target: string): AnyModule {
  let m = root;
  if (target === '') return m;
  for (const part of target.split('.')) {
    const next = m._ownState().modules.find(([k]) => k === part)?.[1];
    if (!next) {
      const names = m.namedChildren().map(([k]) => k);
      throw new ModuleError(
        `getSubmodule: ${m.constructor.name} has no submodule '${part}' (looking up '${target}'); its children are: ${names.length ? names.join(', ') : '(none)'}`,
      );
    }
    m = next;
  }
  return m;
}

/** The parameter or buffer of `root` at a dotted path; `op` names the caller in the not-found error. */
export function findEntry(root: AnyModule, kind: 'parameter', target: string, op?: string): Parameter;
export function findEntry(root: AnyModule, kind: 'buffer', target: string, op?: string): Tensor;
export function findEntry(root: AnyModule, kind: 'parameter' | 'buffer', target: string, op?: string): Tensor {
  const dot = target.lastIndexOf('.');
  let owner: AnyModule | null = root;
  try {
    if (dot >= 0) owner = findSubmodule(root, target.slice(0, dot));
  } catch {
    owner = null;
  }
  const name = target.slice(dot + 1);
  const state = owner?._ownState();
  const found =
    kind === 'parameter' ? state?.params.find(([k]) => k === name)?.[1] : state?.buffers.find(([k]) => k === name)?.[1];
  if (!found) {
    const names = (kind === 'parameter' ? root.namedParameters() : root.namedBuffers()).map(([k]) => k);
    const caller = op ?? (kind === 'parameter' ? 'getParameter' : 'getBuffer');
    throw new ModuleError(
      `${caller}: ${root.constructor.name} has no ${kind} '${target}'; available: ${names.length ? names.join(', ') : '(none)'}`,
    );
  }
  return found;
}
