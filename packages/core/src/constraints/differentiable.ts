/**
 * `constraints.project(c, x)`: the projection of a tensor onto a constraint's set as a differentiable op, so a
 * projection can sit inside a model. Each supported set's projection is written with core ops (or `F.sparsemax`,
 * which records the simplex projection's Jacobian), so autograd gives the gradient: the Jacobian-vector product
 * of the projection. The values equal `c.project(x)` up to float32 rounding. Sets without a Jacobian here raise an
 * `UnsupportedError` naming the set.
 */

import { noGrad } from '../autograd/grad-mode.js';
import { ArgumentError, fmtShape, UnsupportedError } from '../errors.js';
import { sparsemax } from '../nn/functional/sparsemax.js';
import { compare, where } from '../ops/compare.js';
import { tensor } from '../tensor/creation.js';
import { sizeOf } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { BoxConstraint } from './builtins/bounds.js';
import { CappedSimplexConstraint } from './builtins/capped-simplex.js';
import { type ElementBound, ElementBoxConstraint } from './builtins/element-bounds.js';
import { HyperplaneConstraint } from './builtins/hyperplane.js';
import { NormBoundConstraint } from './builtins/norms.js';
import { OrthogonalConstraint } from './builtins/orthogonal.js';
import { PsdConstraint } from './builtins/psd.js';
import { L1BallConstraint, SimplexConstraint } from './builtins/simplex.js';
import { SpectralNormConstraint } from './builtins/spectral-norm.js';
import { SphereConstraint } from './builtins/sphere.js';
import { SymmetricConstraint } from './builtins/symmetric.js';
import { type Constraint, type ConstraintLike, reductionDims, toConstraint } from './constraint.js';

/** `x` with the slice dims moved last and flattened to `[rows, n]`, and the map back to `x`'s layout. */
function asRows(x: Tensor, dims: number[]): { rows: Tensor; back: (y: Tensor) => Tensor } {
  const nd = x.ndim;
  const rest = Array.from({ length: nd }, (_, i) => i).filter((d) => !dims.includes(d));
  const order = [...rest, ...dims];
  const moved = x.permute(order);
  const n = sizeOf(dims.map((d) => x.shape[d]));
  const inverse = new Array<number>(nd);
  order.forEach((d, i) => {
    inverse[d] = i;
  });
  return {
    rows: moved.reshape([n === 0 ? 0 : x.size / n, n]),
    back: (y) => y.reshape(moved.shape).permute(inverse),
  };
}

/** Each row of `rows` projected onto `{ y >= 0, Σ y = total }`: `total · sparsemax(rows / total)`. */
function simplexRows(rows: Tensor, total: number): Tensor {
  return total === 0 ? rows.mul(0) : sparsemax(rows.div(total), { dim: 1 }).mul(total);
}

function boundTensor(b: ElementBound, x: Tensor): Tensor | number {
  return typeof b === 'number' ? b : tensor(b.values, { shape: b.shape, backend: x.backend });
}

/**
 * The capped simplex's projection `clamp(x - τ, 0, 1)` with τ written in x on the free set F (the outputs strictly
 * between 0 and 1): `τ = (Σ_F x + #ones - k)/|F|`, so the Jacobian is `diag(f) - f fᵀ/|F|`, as for sparsemax.
 */
function cappedRows(c: CappedSimplexConstraint, x: Tensor): Tensor {
  const dims = reductionDims(c.name, c.dim, x.ndim);
  const { rows, back } = asRows(x, dims);
  const y = noGrad(() => asRows(c.project(x), dims).rows);
  const free = compare('gt', y, 0)
    .float()
    .mul(compare('lt', y, 1).float());
  const ones = compare('ge', y, 1).float().sum(1, { keepdim: true });
  const count = free.sum(1, { keepdim: true });
  const tau = rows
    .mul(free)
    .sum(1, { keepdim: true })
    .add(ones)
    .sub(c.k)
    .div(where(compare('gt', count, 0), count, 1));
  return back(where(compare('gt', free, 0), rows.sub(tau), y));
}

/**
 * The psd projection's value with its Jacobian (Daleckii–Krein): for the symmetric part `S = QΛQᵀ`, the derivative
 * of `Q max(Λ, m) Qᵀ` in the direction dS is `Q (D ∘ QᵀdSQ) Qᵀ`, D the divided differences of `max(·, m)` at the
 * eigenvalues. Written as `value + L(S) - stop(L(S))`: the value is the projection's bit for bit, the gradient L's.
 */
function psdProjection(c: PsdConstraint, x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1];
  const eig = c.eigen(x);
  const value = noGrad(() => c.project(x));
  const q = new Float32Array(eig.length * n * n);
  const d = new Float32Array(eig.length * n * n);
  const m = c.minEig;
  eig.forEach((e, b) => {
    const f = (l: number) => Math.max(l, m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        q[b * n * n + i * n + j] = e.vectors[i * n + j];
        const li = e.values[i];
        const lj = e.values[j];
        // NOTE: equal (or nearly equal) eigenvalues take the derivative of max(·, m) instead of the quotient.
        d[b * n * n + i * n + j] =
          Math.abs(li - lj) > 1e-9 * Math.max(1, Math.abs(li), Math.abs(lj))
            ? (f(li) - f(lj)) / (li - lj)
            : li + lj > 2 * m
              ? 1
              : 0;
      }
    }
  });
  const shape = [eig.length, n, n];
  const qt = tensor(q, { shape, backend: x.backend });
  const dt = tensor(d, { shape, backend: x.backend });
  const s = x.add(x.transpose(-2, -1)).mul(0.5).reshape(shape);
  const lin = qt.matmul(dt.mul(qt.transpose(-2, -1).matmul(s).matmul(qt))).matmul(qt.transpose(-2, -1));
  return value.add(lin.sub(lin.detach()).reshape(x.shape));
}

/** The differentiable projection of one built-in family, or null when `c` is none of them. */
type Rule = (c: Constraint, x: Tensor) => Tensor | null;

/** A rule for instances of `cls` whose projection is the class's own (a subclass overriding it is not covered). */
function forClass<C extends Constraint>(
  cls: abstract new (...args: never[]) => C,
  rule: (c: C, x: Tensor) => Tensor,
): Rule {
  return (c, x) => {
    if (!(c instanceof cls) || c.project_ !== cls.prototype.project_ || c.project !== cls.prototype.project)
      return null;
    return rule(c, x);
  };
}

const RULES: Rule[] = [
  // A clip: the gradient passes where the value is inside the box.
  forClass(BoxConstraint, (c, x) => x.clamp(c.lo === -Infinity ? null : c.lo, c.hi === Infinity ? null : c.hi)),
  forClass(ElementBoxConstraint, (c, x) => {
    const lo = boundTensor(c.lo, x);
    const hi = boundTensor(c.hi, x);
    return where(compare('lt', x, lo), lo, where(compare('gt', x, hi), hi, x));
  }),
  // The norm bounds' transform is their projection (zero-slice policy included), written with where().
  forClass(NormBoundConstraint, (c, x) => {
    if (c.rate !== 1)
      throw new UnsupportedError(`constraints.project: '${c}' moves only part of the way (rate < 1); use rate 1`);
    return c.transform(x);
  }),
  forClass(SimplexConstraint, (c, x) => {
    const { rows, back } = asRows(x, reductionDims(c.name, c.dim, x.ndim));
    return back(simplexRows(rows, c.total));
  }),
  forClass(L1BallConstraint, (c, x) => {
    const { rows, back } = asRows(x, reductionDims(c.name, c.dim, x.ndim));
    const inside = compare('le', rows.abs().sum(1, { keepdim: true }), c.radius);
    return back(where(inside, rows, rows.sign().mul(simplexRows(rows.abs(), c.radius))));
  }),
  forClass(SphereConstraint, (c, x) => {
    const dims = reductionDims(c.name, c.dim, x.ndim);
    const n = x.norm(2, dims, { keepdim: true });
    const zero = compare('eq', n, 0);
    const count = sizeOf(dims.map((d) => x.shape[d]));
    return where(zero, c.radius / Math.sqrt(count), x.mul(where(zero, 1, n).reciprocal().mul(c.radius)));
  }),
  forClass(HyperplaneConstraint, (c, x) => {
    const { rows, back } = asRows(x, reductionDims(c.name, c.dim, x.ndim));
    if (c.a.values.length !== rows.shape[1])
      throw new ArgumentError(
        `constraints.project: ${c.name}'s a has ${c.a.values.length} elements, but slices of shape ${fmtShape(x.shape)} over dim ${JSON.stringify(c.dim ?? 'all')} have ${rows.shape[1]}`,
      );
    const a = tensor(c.a.values, { shape: [1, c.a.values.length], backend: x.backend });
    const aa = c.a.values.reduce((s, v) => s + v * v, 0);
    const r = rows.mul(a).sum(1, { keepdim: true }).sub(c.b);
    const moved = rows.sub(r.div(aa).mul(a));
    return back(c.name === 'halfspace' ? where(compare('gt', r, 0), moved, rows) : moved);
  }),
  forClass(CappedSimplexConstraint, cappedRows),
  forClass(SymmetricConstraint, (c, x) => c.transform(x)),
  forClass(PsdConstraint, psdProjection),
  // The polar factor by Newton–Schulz (full-rank input; the transform raises on a rank-deficient one).
  forClass(OrthogonalConstraint, (c, x) => c.transform(x)),
  // torch's spectral_norm step: the vectors advance on x, then x / max(1, uᵀxv / maxSigma), u and v constant.
  forClass(SpectralNormConstraint, (c, x) => c.scaled(x, c.nPowerIterations)),
];

/** The sets `project` differentiates, for messages. */
const SUPPORTED =
  'clamp, interval, nonNeg, greaterThan, lessThan, positive, linfBall (and tensor bounds), maxNorm, l2Ball, unitNorm, minMaxNorm (rate 1), simplex, l1Ball, cappedSimplex, sphere, hyperplane, halfspace, symmetric, psd, orthogonal, spectralNorm';

/**
 * The projection of `x` onto `c`'s set, differentiable in `x`: the gradient is the projection's Jacobian applied
 * to the incoming gradient (a mask for boxes, the known Jacobians of the norm balls and the sphere, sparsemax's for
 * the simplex and the capped simplex, the Daleckii–Krein formula for psd). Raises an `UnsupportedError` naming the
 * set for sets with no Jacobian here (intersect, function constraints, custom subclasses).
 */
export function project(c: ConstraintLike, x: Tensor): Tensor {
  const con = toConstraint(c);
  for (const rule of RULES) {
    const y = rule(con, x);
    if (y) return y;
  }
  throw new UnsupportedError(
    `constraints.project: the set '${con}' has no differentiable projection (its Jacobian is not implemented); supported: ${SUPPORTED}. For the value alone use c.project(x)`,
  );
}
