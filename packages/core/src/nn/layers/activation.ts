/** Activation layers: thin modules over the functional activations, printed with their settings. */
import { ArgumentError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gelu, leakyRelu, logSoftmax, relu, sigmoid, softmax, softplus, tanh } from '../functional/activation.js';
import { Module } from '../module.js';

/** `max(x, 0)`. */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** GELU: `x·Φ(x)`, or its tanh approximation with `{ approximate: 'tanh' }`. */
export class GELU extends Module {
  /** 'none' (exact, erf) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';
  constructor(options?: { approximate?: 'none' | 'tanh' }) {
    super();
    this.approximate = options?.approximate ?? 'none';
    if (this.approximate !== 'none' && this.approximate !== 'tanh') {
      throw new ArgumentError(`GELU: approximate must be 'none' or 'tanh', got '${this.approximate as string}'`);
    }
  }
  override forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/** Logistic sigmoid. */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** `log(1 + e^(beta·x)) / beta`, linear where `beta·x > threshold`. */
export class Softplus extends Module {
  /** Sharpness (default 1). */
  readonly beta: number;
  /** Above `beta·x > threshold` the output is x (default 20). */
  readonly threshold: number;
  constructor(options?: { beta?: number; threshold?: number }) {
    super();
    this.beta = options?.beta ?? 1;
    this.threshold = options?.threshold ?? 20;
  }
  override forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** `x` where positive, else `negativeSlope·x` (default slope 0.01). */
export class LeakyReLU extends Module {
  /** The slope for negative inputs. */
  readonly negativeSlope: number;
  constructor(options?: number | { negativeSlope?: number }) {
    super();
    this.negativeSlope = typeof options === 'number' ? options : (options?.negativeSlope ?? 0.01);
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Softmax along `dim` (default: last). */
export class Softmax extends Module {
  constructor(
    /** The dim that sums to 1. */
    readonly dim = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` (default: last). */
export class LogSoftmax extends Module {
  constructor(
    /** The dim normalized over. */
    readonly dim = -1,
  ) {
    super();
  }
  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
