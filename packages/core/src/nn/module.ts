/**
 * `Module`: the base class of layers and models (like `torch.nn.Module`). It owns parameters, buffers and
 * child modules by name, picks up Parameter and Module fields assigned in a constructor (TypeScript has no
 * `__setattr__`, so fields are scanned lazily), and runs forward hooks around `forward` in `call()`. A plain
 * array or object of modules or parameters in a field is an error when scanned (PyTorch ignores it silently,
 * so it never trains); use `ModuleList`, `ModuleDict` or `ParameterList`.
 */

import {
  applyConstraints,
  type ConstraintHandle,
  type ConstraintLike,
  clearConstraints,
  constraintReport,
  type RegisterConstraintOptions,
  registerConstraint,
} from '../constraints/registry/index.js';
import { registerJointConstraint } from '../constraints/registry/joint.js';
import { keep, runModuleCall } from '../engine/lifetime.js';
import { ArgumentError } from '../errors.js';
import { isTensor, type Tensor } from '../tensor/tensor.js';
import { findEntry, findSubmodule } from './lookup.js';
import {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  ModuleError,
  type NamedOptions,
  type RemovableHandle,
} from './module-types.js';
import { Parameter } from './parameter.js';
import {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  loadStateDictInto,
  type StateDict,
  stateDictOf,
} from './state-dict.js';

type Kind = 'parameter' | 'buffer' | 'module';
// Hooks are stored without the module's type parameters, so a Module<[Tensor], Tensor> stays assignable to AnyModule.
type StoredHook = (module: Module, args: unknown[], output?: unknown) => unknown;
let nextHookId = 0;

export {
  type AnyModule,
  type ForwardHook,
  type ForwardPreHook,
  ModuleError,
  type NamedOptions,
  type RemovableHandle,
} from './module-types.js';

/**
 * Throws if `value`, a field no registry holds, is a plain array or object holding modules or parameters:
 * PyTorch silently ignores those (they never train); cp says to use a container instead.
 */
function rejectUnregisteredHolder(owner: string, key: string, value: object): void {
  const isArray = Array.isArray(value);
  if (!isArray && Object.getPrototypeOf(value) !== Object.prototype) return;
  // NOTE: an array is walked in place, not copied: a large array of numbers in a field is scanned often.
  const items = isArray ? (value as unknown[]) : Object.values(value);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const isModule = item instanceof Module;
    if (!isModule && !(item instanceof Parameter)) continue;
    const fix = isModule ? (isArray ? 'ModuleList' : 'ModuleDict') : 'ParameterList';
    throw new ModuleError(
      `${owner}.${key}: a plain ${isArray ? 'array' : 'object'} of ${isModule ? 'modules' : 'parameters'} is not registered, so it would never train or be saved; use this.${key} = new nn.${fix}(...) instead`,
    );
  }
}

/** The base class of every layer and model: subclasses implement `forward`, callers use `call`. */
export class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Training mode (dropout active); switch with `train()` / `eval()`. */
  training = true;
  #params = new Map<string, Parameter | null>();
  #buffers = new Map<string, Tensor | null>();
  #nonPersistent = new Set<string>();
  #modules = new Map<string, AnyModule | null>();
  #preHooks = new Map<number, StoredHook>();
  #hooks = new Map<number, StoredHook>();

  /** The computation; subclasses override it. Call modules through `call()` so hooks run. */
  forward(..._args: In): Out {
    throw new ModuleError(
      `${this.constructor.name}: forward() is not implemented; subclasses of Module must override it`,
    );
  }

  /**
   * Runs forward pre-hooks, `forward`, then forward hooks (like calling a torch module). A top-level call is one
   * iteration of this model for the lifetime rule (see docs/memory.md).
   */
  call(...args: In): Out {
    return runModuleCall(this, this.constructor.name, () => this.#callHooked(args));
  }

  #callHooked(args: In): Out {
    for (const hook of this.#preHooks.values()) {
      const replaced = hook(this as unknown as Module, args) as In | undefined;
      if (replaced !== undefined) args = replaced;
    }
    let out = this.forward(...args);
    for (const hook of this.#hooks.values()) {
      const replaced = hook(this as unknown as Module, args, out) as Out | undefined;
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  /** Registers a hook run before every `forward`. */
  registerForwardPreHook(hook: ForwardPreHook<In>): RemovableHandle {
    const id = nextHookId++;
    this.#preHooks.set(id, hook as unknown as StoredHook);
    return { remove: () => void this.#preHooks.delete(id) };
  }

  /** Registers a hook run after every `forward`. */
  registerForwardHook(hook: ForwardHook<In, Out>): RemovableHandle {
    const id = nextHookId++;
    this.#hooks.set(id, hook as unknown as StoredHook);
    return { remove: () => void this.#hooks.delete(id) };
  }

  // ---- registration -------------------------------------------------------------------------------

  /** Adds a parameter (or a null placeholder, like an absent bias) under `name`; also sets the field. */
  registerParameter(name: string, param: Parameter | null): void {
    if (param !== null && !(param instanceof Parameter)) {
      const what = isTensor(param) ? 'a Tensor' : typeof param;
      throw new ModuleError(
        `registerParameter: cannot register ${what} as parameter '${name}' (a Parameter or null is required; wrap it with new Parameter(t))`,
      );
    }
    this.#register('registerParameter', 'parameter', name, param);
    this.#params.set(name, param);
  }

  /** Adds a buffer: state that is not trained (running statistics, masks); saved unless `persistent: false`. */
  registerBuffer(name: string, tensor: Tensor | null, options?: { persistent?: boolean }): void {
    if (tensor !== null && !isTensor(tensor))
      throw new ModuleError(`registerBuffer: buffer '${name}' must be a Tensor or null, got ${typeof tensor}`);
    this.#register('registerBuffer', 'buffer', name, tensor);
    // NOTE: module state outlives any tidy scope or training step it was made in.
    if (tensor) keep(tensor);
    this.#buffers.set(name, tensor);
    if (options?.persistent === false) this.#nonPersistent.add(name);
  }

  /** Adds a child module under `name`; also sets the field. */
  registerModule(name: string, module: AnyModule | null): void {
    if (module !== null && !(module instanceof Module))
      throw new ModuleError(`registerModule: '${name}' must be a Module or null, got ${typeof module}`);
    this.#register('registerModule', 'module', name, module);
    this.#modules.set(name, module);
  }

  /** Alias of `registerModule` (PyTorch's `add_module`). */
  addModule(name: string, module: AnyModule | null): void {
    this.registerModule(name, module);
  }

  #register(op: string, kind: Kind, name: string, value: unknown): void {
    if (typeof name !== 'string') throw new ModuleError(`${op}: the name must be a string, got ${typeof name}`);
    if (name === '') throw new ModuleError(`${op}: the name cannot be empty`);
    if (name.includes('.')) throw new ModuleError(`${op}: the name cannot contain '.', got '${name}'`);
    this.#sync();
    const taken = this.#kindOf(name);
    const fields = this as unknown as Record<string, unknown>;
    if (taken !== null) {
      if (taken === kind && fields[name] === value) return;
      throw new ModuleError(`${op}: ${this.constructor.name} already has a ${taken} named '${name}'`);
    }
    if (name in this && (!Object.hasOwn(this, name) || (fields[name] != null && fields[name] !== value))) {
      throw new ModuleError(
        `${op}: '${name}' is already an attribute of ${this.constructor.name}; choose another name`,
      );
    }
    fields[name] = value;
  }

  #kindOf(name: string): Kind | null {
    if (this.#params.has(name)) return 'parameter';
    if (this.#buffers.has(name)) return 'buffer';
    if (this.#modules.has(name)) return 'module';
    return null;
  }

  /** Brings the registries in line with the fields: new Parameter/Module fields are registered, reassigned ones updated. */
  #sync(): void {
    const fields = this as unknown as Record<string, unknown>;
    for (const key of Object.keys(this)) {
      const v = fields[key];
      if (v instanceof Parameter) {
        if (this.#params.get(key) === v) continue;
        this.#buffers.delete(key);
        this.#modules.delete(key);
        this.#params.set(key, v);
      } else if (v instanceof Module) {
        if (v === this || this.#modules.get(key) === v) continue;
        this.#params.delete(key);
        this.#buffers.delete(key);
        this.#modules.set(key, v as AnyModule);
      } else if (this.#params.has(key)) {
        if (v !== null)
          throw new ModuleError(
            `${this.constructor.name}.${key}: a registered parameter can only be replaced by a Parameter or null`,
          );
        this.#params.set(key, null);
      } else if (this.#modules.has(key)) {
        if (v !== null)
          throw new ModuleError(
            `${this.constructor.name}.${key}: a registered submodule can only be replaced by a Module or null`,
          );
        this.#modules.set(key, null);
      } else if (typeof v === 'object' && v !== null && !this.#buffers.has(key)) {
        rejectUnregisteredHolder(this.constructor.name, key, v);
      } else if (this.#buffers.has(key) && this.#buffers.get(key) !== v) {
        if (v !== null && !isTensor(v))
          throw new ModuleError(
            `${this.constructor.name}.${key}: a registered buffer can only be replaced by a Tensor or null`,
          );
        this.#buffers.set(key, v);
      }
    }
  }

  /** @internal This module's own entries, nulls included, in registration order. */
  _ownState(): {
    params: [string, Parameter | null][];
    buffers: [string, Tensor | null, boolean][];
    modules: [string, AnyModule | null][];
  } {
    this.#sync();
    return {
      params: [...this.#params],
      buffers: [...this.#buffers].map(([k, b]) => [k, b, !this.#nonPersistent.has(k)]),
      modules: [...this.#modules],
    };
  }

  // ---- traversal ----------------------------------------------------------------------------------

  /** Direct children with their names (each module once). */
  namedChildren(): [string, AnyModule][] {
    this.#sync();
    const seen = new Set<AnyModule>();
    const out: [string, AnyModule][] = [];
    for (const [k, m] of this.#modules) {
      if (m && !seen.has(m)) {
        seen.add(m);
        out.push([k, m]);
      }
    }
    return out;
  }

  /** Direct children. */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and all descendants with dotted names ('' for this one), depth first. */
  namedModules(options?: { prefix?: string; removeDuplicate?: boolean }): [string, AnyModule][] {
    const removeDuplicate = options?.removeDuplicate ?? true;
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, prefix: string): void => {
      if (removeDuplicate && seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [k, child] of m._ownState().modules) if (child) visit(child, prefix ? `${prefix}.${k}` : k);
    };
    visit(this as unknown as AnyModule, options?.prefix ?? '');
    return out;
  }

  /** This module and all descendants. */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  #named<T>(own: (m: AnyModule) => [string, T | null][], options: NamedOptions | undefined): [string, T][] {
    const prefix = options?.prefix ?? '';
    const removeDuplicate = options?.removeDuplicate ?? true;
    const mods: [string, AnyModule][] =
      (options?.recurse ?? true)
        ? this.namedModules({ prefix, removeDuplicate })
        : [[prefix, this as unknown as AnyModule]];
    const seen = new Set<T>();
    const out: [string, T][] = [];
    for (const [mp, m] of mods) {
      for (const [k, v] of own(m)) {
        if (v === null || (removeDuplicate && seen.has(v))) continue;
        seen.add(v);
        out.push([mp ? `${mp}.${k}` : k, v]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (`0.weight`, `encoder.fc1.bias`); a shared parameter appears once. */
  namedParameters(options?: NamedOptions): [string, Parameter][] {
    return this.#named((m) => m._ownState().params, options);
  }

  /** All parameters (each once), in registration order. */
  parameters(options?: { recurse?: boolean }): Parameter[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /** Buffers with dotted names. */
  namedBuffers(options?: NamedOptions): [string, Tensor][] {
    return this.#named((m) => m._ownState().buffers.map(([k, b]) => [k, b] as [string, Tensor | null]), options);
  }

  /** All buffers. */
  buffers(options?: { recurse?: boolean }): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  /** The submodule at a dotted path (`'encoder.fc1'`; `''` is this module). */
  getSubmodule(target: string): AnyModule {
    return findSubmodule(this as unknown as AnyModule, target);
  }

  /** The parameter at a dotted path (`'0.weight'`). */
  getParameter(target: string): Parameter {
    return findEntry(this as unknown as AnyModule, 'parameter', target);
  }

  /** The buffer at a dotted path. */
  getBuffer(target: string): Tensor {
    return findEntry(this as unknown as AnyModule, 'buffer', target);
  }

  // ---- modes, gradients, state --------------------------------------------------------------------

  /** Sets training mode on this module and every descendant. Returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError(`train: mode must be a boolean, got ${typeof mode}`);
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Sets `requiresGrad` of every parameter. Returns this. */
  requiresGrad_(value = true): this {
    for (const p of this.parameters()) p.requiresGrad_(value);
    return this;
  }

  /** Drops every parameter's gradient (`grad = null`, PyTorch's `set_to_none`), disposing the old tensors. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** Calls `fn` on every descendant (children first) and on this module. Returns this. */
  apply(fn: (module: AnyModule) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this as unknown as AnyModule);
    return this;
  }

  /** Number of parameter elements (shared parameters counted once). */
  numParameters(options?: { trainableOnly?: boolean }): number {
    return this.parameters()
      .filter((p) => !options?.trainableOnly || p.requiresGrad)
      .reduce((n, p) => n + p.size, 0);
  }

  /** Parameters and persistent buffers by dotted name, as detached tensors sharing their storage. */
  stateDict(options?: { prefix?: string }): StateDict {
    return stateDictOf(this as unknown as AnyModule, options?.prefix ?? '');
  }

  /** Copies `stateDict` in place (optimizers keep tracking the same tensors), restores constraint specs, keeps constraints satisfied. */
  loadStateDict(stateDict: StateDict, options?: LoadStateDictOptions): LoadStateDictResult {
    return loadStateDictInto(this as unknown as AnyModule, stateDict, options);
  }

  /** Frees the storage of every parameter, gradient, buffer and constraint state now (the module is unusable afterwards). */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      clearConstraints(p);
      p.dispose();
    }
    for (const b of this.buffers()) b.dispose();
  }

  // ---- constraints --------------------------------------------------------------------------------

  /**
   * Registers a constraint on the parameter at a dotted path (see constraints/registry), or, given several
   * paths, one joint constraint on their concatenation (`registerJointConstraint`).
   */
  registerConstraint(
    name: string | readonly string[],
    constraint: ConstraintLike,
    options?: RegisterConstraintOptions,
  ): ConstraintHandle {
    const find = (n: string) => findEntry(this as unknown as AnyModule, 'parameter', n, 'registerConstraint');
    if (Array.isArray(name)) return registerJointConstraint(name.map(find), constraint, options);
    return registerConstraint(find(name as string), constraint, options);
  }

  /** How well every named parameter satisfies its constraints. */
  constraintReport(): ReturnType<typeof constraintReport> {
    return constraintReport(this.namedParameters());
  }

  /** Projects every parameter onto its constraints now. */
  applyConstraints(): ReturnType<typeof applyConstraints> {
    return applyConstraints(this.parameters());
  }

  // ---- printing -----------------------------------------------------------------------------------

  /** The text inside the parentheses of this module's printout; layers override it. */
  extraRepr(): string {
    return '';
  }

  /** A PyTorch-like tree: `Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n)`. */
  toString(): string {
    const lines: string[] = [];
    const extra = this.extraRepr();
    if (extra) lines.push(...extra.split('\n'));
    for (const [k, m] of this._ownState().modules)
      lines.push(`(${k}): ${m ? m.toString() : 'null'}`.replaceAll('\n', '\n  '));
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (lines.length === 1 && !extra.includes('\n') && this.#modules.size === 0) return `${name}(${extra})`;
    return `${name}(\n  ${lines.join('\n  ')}\n)`;
  }
}
