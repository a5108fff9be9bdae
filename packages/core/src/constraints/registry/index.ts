/**
 * The per-parameter constraint registry, one file per job: which constraints a parameter carries (store.ts),
 * registering them (register.ts), enforcing them (enforce.ts), reporting on them (report.ts) and their specs
 * (serialize.ts). Modules outside constraints/ import it from here.
 */
export type { ConstraintLike, ConstraintMode, ConstraintSpec } from '../constraint.js';
export { applyConstraints } from './apply.js';
export { transformedValue } from './enforce.js';
export {
  type ConstraintHandle,
  type RegisterConstraintOptions,
  registerConstraint,
  registerGradConstraint,
} from './register.js';
export { type ConstraintReportEntry, constraintReport } from './report.js';
export { constraintSpecs, loadConstraintSpecs } from './serialize.js';
export { clearConstraints, constraintsOf, enforcement, gradConstraintsOf, rawOf } from './store.js';
