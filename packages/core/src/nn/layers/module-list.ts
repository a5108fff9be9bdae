/**
 * `ModuleList`, `ModuleDict`, `ParameterList`: containers that register what they hold, so a list or dict of
 * layers trains (PyTorch's semantics and state-dict keys: `0.weight`, `encoder.weight`). They have no
 * `forward`: the owning module decides how to call the entries.
 */
import { ArgumentError } from '../../errors.js';
import { type AnyModule, Module, ModuleError } from '../module.js';
import { Parameter } from '../parameter.js';

function indexIn(op: string, index: number, length: number): number {
  const i = index < 0 ? index + length : index;
  if (!Number.isInteger(i) || i < 0 || i >= length)
    throw new ArgumentError(`${op}: index ${index} is out of range for ${length} entries`);
  return i;
}

function noForward(name: string): never {
  throw new ModuleError(`${name}: a container has no forward(); call its entries from the owning module's forward`);
}

/** A list of submodules registered as '0', '1', ... (like `torch.nn.ModuleList`). */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<unknown[], unknown> implements Iterable<M> {
  #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Adds a module at the end; returns this. */
  append(module: M): this {
    if (!(module instanceof Module))
      throw new ModuleError(`ModuleList.append: expected a Module, got ${typeof module}; wrap layers with new nn.X()`);
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  /** Appends every module of `modules`; returns this. */
  extend(modules: Iterable<M>): this {
    if (modules == null || typeof (modules as Iterable<M>)[Symbol.iterator] !== 'function')
      throw new ModuleError(`ModuleList: expected an iterable of modules, got ${typeof modules}`);
    for (const m of modules) this.append(m);
    return this;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    return this.#items[indexIn('ModuleList.at', index, this.#items.length)];
  }

  /** Replaces the module at `index` (its state-dict keys stay `index.*`). */
  set(index: number, module: M): void {
    const i = indexIn('ModuleList.set', index, this.#items.length);
    if (!(module instanceof Module)) throw new ModuleError(`ModuleList.set: expected a Module, got ${typeof module}`);
    (this as unknown as Record<string, unknown>)[String(i)] = module;
    this.#items[i] = module;
  }

  /** Number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  override forward(): never {
    return noForward('ModuleList');
  }
}

/** Submodules by name, in insertion order (like `torch.nn.ModuleDict`); keys are the state-dict prefixes. */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<unknown[], unknown> {
  #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    this.update(modules);
  }

  /** Adds (or replaces) the module under `key`. */
  set(key: string, module: M): void {
    if (!(module instanceof Module))
      throw new ModuleError(`ModuleDict.set: '${key}' must be a Module, got ${typeof module}`);
    if (this.#items.has(key)) (this as unknown as Record<string, unknown>)[key] = module;
    else this.registerModule(key, module);
    this.#items.set(key, module);
  }

  /** Adds every entry of `modules`. */
  update(modules: Record<string, M> | Iterable<[string, M]>): void {
    if (modules == null || typeof modules !== 'object')
      throw new ModuleError(`ModuleDict: expected an object or entries of modules, got ${typeof modules}`);
    const entries =
      Symbol.iterator in modules ? (modules as Iterable<[string, M]>) : Object.entries(modules as Record<string, M>);
    for (const [k, m] of entries) this.set(k, m);
  }

  /** The module under `key`; throws naming the known keys when absent. */
  get(key: string): M {
    const m = this.#items.get(key);
    if (!m) throw new ModuleError(`ModuleDict.get: no module '${key}' (keys: ${[...this.#items.keys()].join(', ')})`);
    return m;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return [...this.#items.keys()];
  }

  /** The modules in insertion order. */
  values(): M[] {
    return [...this.#items.values()];
  }

  /** `[key, module]` pairs in insertion order. */
  entries(): [string, M][] {
    return [...this.#items.entries()];
  }

  /** Number of modules. */
  get size(): number {
    return this.#items.size;
  }

  override forward(): never {
    return noForward('ModuleDict');
  }
}

/** A list of parameters registered as '0', '1', ... (like `torch.nn.ParameterList`). */
export class ParameterList extends Module<unknown[], unknown> implements Iterable<Parameter> {
  #items: Parameter[] = [];

  constructor(parameters: Iterable<Parameter> = []) {
    super();
    for (const p of parameters) this.append(p);
  }

  /** Adds a parameter at the end; returns this. */
  append(param: Parameter): this {
    if (!(param instanceof Parameter))
      throw new ModuleError(
        `ParameterList.append: expected a Parameter, got ${typeof param}; wrap tensors with new nn.Parameter(t)`,
      );
    this.registerParameter(String(this.#items.length), param);
    this.#items.push(param);
    return this;
  }

  /** The parameter at `index` (negative counts from the end). */
  at(index: number): Parameter {
    return this.#items[indexIn('ParameterList.at', index, this.#items.length)];
  }

  /** Number of parameters. */
  get length(): number {
    return this.#items.length;
  }

  /** The parameters in order. */
  [Symbol.iterator](): Iterator<Parameter> {
    return this.#items[Symbol.iterator]();
  }

  override forward(): never {
    return noForward('ParameterList');
  }
}
