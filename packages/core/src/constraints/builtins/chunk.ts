/**
 * `chunk(c, chunks, { dim })`: a constraint applied to each of `chunks` equal blocks of a parameter along `dim`
 * on its own, as `torch.chunk` splits it. The classic use is a recurrent layer's stacked gate weights:
 * `weight_hh_l0` of an LSTM is `[4H, H]`, the blocks of gates i, f, g, o stacked along dim 0, so
 * `chunk(orthogonal(), 4)` (or `perGate(orthogonal(), 'lstm')`, which also names the gates in reports) makes
 * each `[H, H]` gate block orthogonal instead of the whole `[4H, H]` matrix.
 *
 * Each block is projected (or transformed) by the inner constraint, so the set is the product of the blocks'
 * sets: the projection is exact and convex when the inner one is, and declares what the inner one declares.
 */
import { ArgumentError, fmtShape } from '../../errors.js';
import { cat } from '../../ops/movement.js';
import type { Tensor } from '../../tensor/tensor.js';
import {
  Constraint,
  ConstraintError,
  type ConstraintLike,
  type ConstraintMode,
  type ConstraintSlice,
  type JsonValue,
  toConstraint,
} from '../constraint.js';
import { checkOptions, describeValue } from './args.js';

/** Options of `chunk`. */
export interface ChunkOptions {
  /** The dim the blocks are stacked along (default 0, as in `torch.chunk`). */
  dim?: number;
  /** A name per block for reports (`['gate i', 'gate f', ...]`); default `block k of n (start:end)`. */
  labels?: string[];
}

/** `inner` on each of `chunks` equal blocks along `dim`. */
export class ChunkConstraint extends Constraint {
  readonly name = 'chunk';
  override readonly convex: boolean;
  override readonly defaultMode: ConstraintMode;

  constructor(
    readonly inner: Constraint,
    readonly chunks: number,
    readonly dim: number,
    readonly labels: readonly string[] | null,
  ) {
    super();
    this.convex = inner.convex;
    this.defaultMode = inner.defaultMode;
    this.options = {
      constraint: inner.toSpec() as unknown as JsonValue,
      chunks,
      dim,
      labels: labels ? [...labels] : null,
    };
  }

  /** The blocks of `x` (views), after checking that `dim` splits into `chunks` equal blocks. */
  blocks(x: Tensor): Tensor[] {
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    if (!(d >= 0 && d < x.ndim))
      throw new ConstraintError(`chunk: dim ${this.dim} is out of range for a parameter of shape ${fmtShape(x.shape)}`);
    const n = x.shape[d];
    if (n % this.chunks !== 0)
      throw new ConstraintError(
        `chunk: dim ${this.dim} of a parameter of shape ${fmtShape(x.shape)} has size ${n}, which does not split into ${this.chunks} equal blocks`,
      );
    const size = n / this.chunks;
    return Array.from({ length: this.chunks }, (_, k) => x.narrow(d, k * size, size));
  }

  /** The report label of block `k` of a parameter of `shape`. */
  label(k: number, shape: readonly number[]): string {
    if (this.labels) return `[${this.labels[k]}]`;
    const d = this.dim < 0 ? this.dim + shape.length : this.dim;
    const size = shape[d] / this.chunks;
    return `[block ${k + 1} of ${this.chunks} (${k * size}:${(k + 1) * size})]`;
  }

  /** Exact when the inner projection is (each block is projected on its own). */
  override get safeProjection(): boolean {
    return this.inner.safeProjection;
  }

  override project_(x: Tensor): void {
    if (x.size === 0) return;
    const d = this.dim < 0 ? this.dim + x.ndim : this.dim;
    const parts = this.blocks(x).map((b) => {
      const part = b.clone();
      this.inner.project_(part);
      return part;
    });
    x.copy_(cat(parts, d));
  }

  override violation(value: Tensor): number {
    if (value.size === 0) return 0;
    let worst = 0;
    for (const b of this.blocks(value)) {
      const v = this.inner.violation(b);
      worst = Number.isNaN(v) || Number.isNaN(worst) ? Number.NaN : Math.max(worst, v);
    }
    return worst;
  }

  override tolerance(value: Tensor): number {
    if (value.size === 0) return 0;
    return Math.max(...this.blocks(value).map((b) => this.inner.tolerance(b)));
  }

  /** Each block (and, within it, each slice the inner constraint reports), labelled. */
  override slices(value: Tensor): ConstraintSlice[] | null {
    if (value.size === 0) return null;
    return this.blocks(value).flatMap((b, k) => {
      const label = this.label(k, value.shape);
      const inner = this.inner.slices(b);
      return inner
        ? inner.map((s) => ({ ...s, label: label + s.label }))
        : [{ label, value: b, constraint: this.inner }];
    });
  }

  override get reparametrizable(): boolean {
    return this.inner.reparametrizable;
  }

  /** The inner transform of each block, concatenated (differentiable). */
  override transform(raw: Tensor): Tensor {
    if (!this.inner.transform) throw new ConstraintError(`${this}: '${this.inner}' has no transform`);
    const d = this.dim < 0 ? this.dim + raw.ndim : this.dim;
    return cat(
      this.blocks(raw).map((b) => this.inner.transform!(b)),
      d,
    );
  }

  override inverse(value: Tensor): Tensor {
    if (!this.inner.inverse) throw new ConstraintError(`${this}: '${this.inner}' has no inverse`);
    const d = this.dim < 0 ? this.dim + value.ndim : this.dim;
    return cat(
      this.blocks(value).map((b) => this.inner.inverse!(b)),
      d,
    );
  }

  override toString(): string {
    const labels = this.labels ? `, labels=${JSON.stringify(this.labels)}` : '';
    return `chunk(${this.inner}, chunks=${this.chunks}, dim=${this.dim}${labels})`;
  }
}

/**
 * `c` applied to each of `chunks` equal blocks along `dim` (default 0) on its own, as `torch.chunk(x, chunks,
 * dim)` splits it; the size along `dim` must be a multiple of `chunks` (checked at registration).
 */
export function chunk(c: ConstraintLike, chunks: number, options?: ChunkOptions): ChunkConstraint {
  checkOptions('chunk', options, ['dim', 'labels']);
  if (!Number.isInteger(chunks) || chunks < 1)
    throw new ArgumentError(`chunk: chunks must be a positive integer, got ${describeValue(chunks)}`);
  const dim = options?.dim ?? 0;
  if (!Number.isInteger(dim)) throw new ArgumentError(`chunk: dim must be an integer, got ${describeValue(dim)}`);
  const labels = options?.labels ?? null;
  if (
    labels !== null &&
    (!Array.isArray(labels) || labels.length !== chunks || !labels.every((l) => typeof l === 'string'))
  )
    throw new ArgumentError(`chunk: labels must be ${chunks} strings (one per block), got ${JSON.stringify(labels)}`);
  return new ChunkConstraint(toConstraint(c), chunks, dim, labels);
}

/** The gates stacked in a recurrent layer's `weight_ih_l*` / `weight_hh_l*`, in PyTorch's order. */
export const GATES = { lstm: ['i', 'f', 'g', 'o'], gru: ['r', 'z', 'n'], rnn: ['h'] } as const;

/**
 * `c` on each gate block of a recurrent weight (`[gates·H, ·]`, PyTorch's gate order along dim 0): LSTM i, f, g,
 * o; GRU r, z, n; a plain RNN has one block. Reports name the blocks `[gate f]`.
 */
export function perGate(c: ConstraintLike, kind: keyof typeof GATES): ChunkConstraint {
  const gates = GATES[kind];
  if (!gates) throw new ArgumentError(`perGate: kind must be 'lstm', 'gru' or 'rnn', got ${describeValue(kind)}`);
  return chunk(c, gates.length, { dim: 0, labels: gates.map((g) => `gate ${g}`) });
}
