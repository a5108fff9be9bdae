/**
 * `RNN`, `LSTM` and `GRU`, like torch.nn's: input `[T, N, in]` (`[N, T, in]` with `batchFirst`, or unbatched
 * `[T, in]`), optional initial state `[layers·directions, N, H]`, PyTorch's parameter names and layouts
 * (`weight_ih_l0` `[gates·H, in]`, `weight_hh_l0` `[gates·H, H]`, `bias_ih_l0`, `bias_hh_l0`, `_reverse` for
 * the backward direction) and init (every parameter uniform in ±1/sqrt(H)).
 */
import { ArgumentError, fmtShape, ShapeError } from '../../errors.js';
import { cat, narrow, split, squeeze, stack, transpose, unsqueeze } from '../../ops/movement.js';
import { zeros } from '../../tensor/creation.js';
import type { Generator } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkOptions, checkTensor, describe } from '../../tensor/validate.js';
import { dropout } from '../functional/activation.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import type { Parameter } from '../parameter.js';
import { checkSize, zeroParameter } from './common.js';
import { lstmSequence } from './lstm-sequence.js';
import { type DirectionWeights, GATES, type RecurrentMode, runDirection, type StepMode } from './recurrent-cells.js';

/** Options of `RNN`, `LSTM` and `GRU`. */
export interface RecurrentOptions {
  /** Stacked layers (default 1); layer k > 0 reads layer k-1's output. */
  numLayers?: number;
  /** Learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** Input and output are `[N, T, feature]` instead of `[T, N, feature]` (default false; states are unaffected). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training (default 0). */
  dropout?: number;
  /** Also run the sequence backwards; outputs concatenate both directions (default false). */
  bidirectional?: boolean;
  /** Draw the initial values (and dropout masks) from this generator (default: the core default generator). */
  generator?: Generator;
}

/** Options of `RNN`. */
export interface RNNOptions extends RecurrentOptions {
  /** The cell's activation (default 'tanh'). */
  nonlinearity?: 'tanh' | 'relu';
}

const OPTION_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'generator'];

/** The shared body of the recurrent layers: parameters, checks and the layer/direction loop. */
abstract class RecurrentBase<In extends unknown[], Out> extends Module<In, Out> {
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether the biases exist. */
  readonly bias: boolean;
  /** Whether input and output are batch-major. */
  readonly batchFirst: boolean;
  /** Dropout probability between layers. */
  readonly dropout: number;
  /** Whether a backward direction runs too. */
  readonly bidirectional: boolean;
  readonly #mode: RecurrentMode;
  readonly #generator: Generator | undefined;
  /** Per layer, per direction, the parameter names (weight_ih, weight_hh, bias_ih, bias_hh). */
  readonly #names: string[][][] = [];

  constructor(
    op: string,
    mode: RecurrentMode,
    /** Features of each input step. */
    readonly inputSize: number,
    /** Features of the hidden state. */
    readonly hiddenSize: number,
    options: RecurrentOptions | undefined,
  ) {
    super();
    checkSize(op, 'inputSize', inputSize, 1);
    checkSize(op, 'hiddenSize', hiddenSize, 1);
    this.#mode = mode;
    this.numLayers = options?.numLayers ?? 1;
    checkSize(op, 'numLayers', this.numLayers, 1);
    for (const key of ['bias', 'batchFirst', 'bidirectional'] as const) {
      const v = options?.[key];
      if (v !== undefined && typeof v !== 'boolean')
        throw new ArgumentError(`${op}: ${key} must be a boolean, got ${describe(v)}`);
    }
    this.bias = options?.bias ?? true;
    this.batchFirst = options?.batchFirst ?? false;
    this.bidirectional = options?.bidirectional ?? false;
    this.dropout = options?.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1))
      throw new ArgumentError(`${op}: dropout must be in [0, 1], got ${describe(this.dropout)}`);
    this.#generator = options?.generator;
    const rows = GATES[mode] * hiddenSize;
    const bound = 1 / Math.sqrt(hiddenSize);
    const fields = this as unknown as Record<string, Parameter>;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inSize = layer === 0 ? inputSize : hiddenSize * this.#directions;
      const perDirection: string[][] = [];
      for (let d = 0; d < this.#directions; d++) {
        const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
        const names = [`weight_ih${suffix}`, `weight_hh${suffix}`];
        const shapes = [
          [rows, inSize],
          [rows, hiddenSize],
        ];
        if (this.bias) {
          names.push(`bias_ih${suffix}`, `bias_hh${suffix}`);
          shapes.push([rows], [rows]);
        }
        names.forEach((n, i) => {
          this.registerParameter(n, zeroParameter(op, shapes[i]));
          uniform_(fields[n], -bound, bound, { generator: this.#generator });
        });
        perDirection.push(names);
      }
      this.#names.push(perDirection);
    }
  }

  get #directions(): number {
    return this.bidirectional ? 2 : 1;
  }

  #weights(layer: number, d: number): DirectionWeights {
    const f = this as unknown as Record<string, Tensor>;
    const [wIh, wHh, bIh, bHh] = this.#names[layer][d];
    return { wIh: f[wIh], wHh: f[wHh], bIh: bIh ? f[bIh] : null, bHh: bHh ? f[bHh] : null };
  }

  /** Checks a given initial state, or makes the zero one; returns it batched `[L·D, N, H]`. */
  #state(op: string, name: string, s: Tensor | null | undefined, batch: number, unbatched: boolean): Tensor {
    const shape = [this.numLayers * this.#directions, batch, this.hiddenSize];
    if (s === null || s === undefined) return zeros(shape);
    checkTensor(op, s, name);
    const want = unbatched ? [shape[0], shape[2]] : shape;
    if (s.ndim !== want.length || s.shape.some((v, i) => v !== want[i]))
      throw new ShapeError(`${op}: ${name} must have shape ${fmtShape(want)}, got ${fmtShape(s.shape)}`);
    return unbatched ? unsqueeze(s, 1) : s;
  }

  /** Runs every layer and direction; returns the output and the final `h` (and `c`) in the caller's layout. */
  protected run(
    op: string,
    input: Tensor,
    h0: Tensor | null | undefined,
    c0: Tensor | null | undefined,
  ): { output: Tensor; h: Tensor; c: Tensor | null } {
    checkTensor(op, input, 'input');
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new ShapeError(
        `${op}: input must be [T, N, ${this.inputSize}] (or [T, ${this.inputSize}] unbatched), got ${fmtShape(input.shape)}`,
      );
    if (input.shape[input.ndim - 1] !== this.inputSize)
      throw new ShapeError(
        `${op}: input ${fmtShape(input.shape)} must have inputSize = ${this.inputSize} features in its last dim`,
      );
    const unbatched = input.ndim === 2;
    let x = unbatched ? unsqueeze(input, 1) : this.batchFirst ? transpose(input, 0, 1) : input;
    const batch = x.shape[1];
    const h = this.#state(op, 'h0', h0, batch, unbatched);
    const lstm = this.#mode === 'LSTM';
    const c = lstm ? this.#state(op, 'c0', c0, batch, unbatched) : null;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    const state = (s: Tensor, k: number): Tensor => squeeze(narrow(s, 0, k, 1), 0);
    if (lstm) {
      // One node per layer and direction over the whole [T, N, features] sequence (lstm-sequence.ts).
      for (let layer = 0; layer < this.numLayers; layer++) {
        if (layer > 0 && this.dropout > 0 && this.training)
          x = dropout(x, this.dropout, true, { generator: this.#generator });
        const outs: Tensor[] = [];
        for (let d = 0; d < this.#directions; d++) {
          const k = layer * this.#directions + d;
          const r = lstmSequence(x, state(h, k), state(c as Tensor, k), this.#weights(layer, d), d === 1);
          outs.push(r.out);
          hs.push(r.h);
          cs.push(r.c);
        }
        x = outs.length === 1 ? outs[0] : cat(outs, 2);
      }
    } else {
      // The sequence as a list of [N, features] steps (see recurrent-cells.ts for why).
      const unbind = (t: Tensor): Tensor[] => split(t, 1, 0).map((s) => squeeze(s, 0));
      let steps = unbind(x);
      const mode = this.#mode as StepMode;
      for (let layer = 0; layer < this.numLayers; layer++) {
        if (layer > 0 && this.dropout > 0 && this.training)
          steps = unbind(dropout(stack(steps, 0), this.dropout, true, { generator: this.#generator }));
        const outs: Tensor[][] = [];
        for (let d = 0; d < this.#directions; d++) {
          const k = layer * this.#directions + d;
          const r = runDirection(mode, steps, state(h, k), this.#weights(layer, d), d === 1);
          outs.push(r.outs);
          hs.push(r.h);
        }
        steps = outs.length === 1 ? outs[0] : outs[0].map((fwd, t) => cat([fwd, outs[1][t]], 1));
      }
      x = stack(steps, 0);
    }
    const fix = (t: Tensor): Tensor => (unbatched ? squeeze(t, 1) : t);
    return {
      output: unbatched ? squeeze(x, 1) : this.batchFirst ? transpose(x, 0, 1) : x,
      h: fix(stack(hs, 0)),
      c: lstm ? fix(stack(cs, 0)) : null,
    };
  }

  override extraRepr(): string {
    const extras = [
      this.numLayers !== 1 && `numLayers=${this.numLayers}`,
      !this.bias && 'bias=false',
      this.batchFirst && 'batchFirst=true',
      this.dropout !== 0 && `dropout=${this.dropout}`,
      this.bidirectional && 'bidirectional=true',
    ].filter(Boolean);
    return [`${this.inputSize}, ${this.hiddenSize}`, ...extras].join(', ');
  }
}

/** An Elman RNN, `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)` (or relu), like `torch.nn.RNN`; returns `[output, hN]`. */
export class RNN extends RecurrentBase<[Tensor, (Tensor | null)?], [Tensor, Tensor]> {
  /** The activation. */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    checkOptions('RNN', options, [...OPTION_KEYS, 'nonlinearity']);
    const nonlinearity = options?.nonlinearity ?? 'tanh';
    if (nonlinearity !== 'tanh' && nonlinearity !== 'relu')
      throw new ArgumentError(`RNN: nonlinearity must be 'tanh' or 'relu', got ${describe(nonlinearity)}`);
    super('RNN', nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  /** `[output, hN]` for `input` and the optional initial state `h0`. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run('RNN', input, h0, null);
    return [r.output, r.h];
  }
}

/** A long short-term memory layer (gates i, f, g, o), like `torch.nn.LSTM`; returns `[output, [hN, cN]]`. */
export class LSTM extends RecurrentBase<[Tensor, ([Tensor, Tensor] | null)?], [Tensor, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    checkOptions('LSTM', options, OPTION_KEYS);
    super('LSTM', 'LSTM', inputSize, hiddenSize, options);
  }

  /** `[output, [hN, cN]]` for `input` and the optional initial state `[h0, c0]`. */
  override forward(input: Tensor, state?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (state !== undefined && state !== null && (!Array.isArray(state) || state.length !== 2))
      throw new ArgumentError(`LSTM: the initial state must be a pair [h0, c0], got ${describe(state)}`);
    const r = this.run('LSTM', input, state?.[0], state?.[1]);
    return [r.output, [r.h, r.c as Tensor]];
  }
}

/** A gated recurrent unit layer (gates r, z, n), like `torch.nn.GRU`; returns `[output, hN]`. */
export class GRU extends RecurrentBase<[Tensor, (Tensor | null)?], [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options?: RecurrentOptions) {
    checkOptions('GRU', options, OPTION_KEYS);
    super('GRU', 'GRU', inputSize, hiddenSize, options);
  }

  /** `[output, hN]` for `input` and the optional initial state `h0`. */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const r = this.run('GRU', input, h0, null);
    return [r.output, r.h];
  }
}
