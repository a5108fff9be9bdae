/**
 * `Sequential`: modules applied in order, each output feeding the next. Children are named '0', '1', ...
 * so parameter names read `0.weight`, `2.bias`, as in PyTorch.
 */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type AnyModule, Module, ModuleError } from '../module.js';

/** A chain of modules: `forward(x)` is `mN(...m1(m0(x)))`. */
export class Sequential extends Module<[Tensor], Tensor> implements Iterable<AnyModule> {
  #items: AnyModule[] = [];

  constructor(...modules: AnyModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end; returns this. */
  append(module: AnyModule): this {
    if (!(module instanceof Module))
      throw new ModuleError(`Sequential.append: expected a Module, got ${typeof module}`);
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  /** Number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): AnyModule {
    const i = index < 0 ? index + this.#items.length : index;
    if (!Number.isInteger(i) || i < 0 || i >= this.#items.length) {
      throw new ArgumentError(`Sequential.at: index ${index} is out of range for ${this.#items.length} modules`);
    }
    return this.#items[i];
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<AnyModule> {
    return this.#items[Symbol.iterator]();
  }

  /** Applies each module in turn. */
  override forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this.#items) y = m.call(y);
    return y as Tensor;
  }
}
