/**
 * `constraints`: the built-in sets, the `Constraint` base class for custom ones, the name registry for
 * (de)serialization, the per-parameter registry, and gradient clipping. Import as
 * `import { constraints } from '@cp/core'`.
 */

export {
  BoxConstraint,
  clamp,
  greaterThan,
  interval,
  lessThan,
  linfBall,
  nonNeg,
  type PositiveOptions,
  positive,
  softplusInverse,
} from './builtins/bounds.js';
export { CappedSimplexConstraint, cappedSimplex } from './builtins/capped-simplex.js';
export { ChunkConstraint, type ChunkOptions, chunk, GATES, perGate } from './builtins/chunk.js';
export { type ElementBound, ElementBoxConstraint } from './builtins/element-bounds.js';
export { HyperplaneConstraint, halfspace, hyperplane, type Normal } from './builtins/hyperplane.js';
export { IntersectConstraint, type IntersectOptions, intersect } from './builtins/intersect.js';
export {
  type DimOptions,
  l2Ball,
  type MinMaxNormOptions,
  maxNorm,
  minMaxNorm,
  NormBoundConstraint,
  unitNorm,
} from './builtins/norms.js';
export { newtonSchulzPolar, OrthogonalConstraint, orthogonal } from './builtins/orthogonal.js';
export { PsdConstraint, type PsdOptions, psd } from './builtins/psd.js';
export { L1BallConstraint, l1Ball, SimplexConstraint, type SimplexOptions, simplex } from './builtins/simplex.js';
export {
  type PowerVectors,
  SpectralNormConstraint,
  type SpectralNormOptions,
  spectralNorm,
} from './builtins/spectral-norm.js';
export { SphereConstraint, sphere } from './builtins/sphere.js';
export { SymmetricConstraint, symmetric } from './builtins/symmetric.js';
export {
  type ClipGradNormOptions,
  clipGradNorm,
  clipGradNormAsync,
  clipGradValue,
  type GradTargets,
  totalNorm,
  totalNormAsync,
} from './clip.js';
export {
  type CheckOptions,
  type CheckResult,
  Constraint,
  ConstraintError,
  type ConstraintLike,
  type ConstraintMode,
  type ConstraintSlice,
  type ConstraintSpec,
  type Dims,
  FunctionConstraint,
  type JsonValue,
  type SetShape,
  type SliceCheck,
  toConstraint,
} from './constraint.js';
export { project } from './differentiable.js';
export type { ConstraintStepRecord, ConstraintSummary } from './lagrangian/history.js';
export {
  ConstrainedProblem,
  type ConstrainedProblemOptions,
  type ConstrainedProblemReport,
  type ConstraintKind,
  type FunctionConstraintReport,
  type FunctionConstraintSpec,
  violationOf,
} from './lagrangian/problem.js';
export { type ConstraintFactory, fromSpec, knownNames, register, unregister } from './names.js';
export { applyConstraints, applyConstraintsAsync } from './registry/apply.js';
export { jointConstraintOf, registerJointConstraint, registerJointConstraintAsync } from './registry/joint.js';
export {
  JOINT_SPEC_NAME,
  type JointConstraintSpec,
  jointConstraintSpecs,
  loadJointConstraintSpecs,
} from './registry/joint-specs.js';
export {
  type ConstraintHandle,
  type RegisterConstraintOptions,
  registerConstraint,
  registerConstraintAsync,
  registerGradConstraint,
} from './registry/register.js';
export { type ConstraintReportEntry, constraintReport, type SliceReport } from './registry/report.js';
export { constraintSpecs, loadConstraintSpecs } from './registry/serialize.js';

export { clearConstraints, constraintsOf, gradConstraintsOf } from './registry/store.js';
