/**
 * The dispatch moved to engine/dispatch.ts. This file only keeps `empty` importable from its old path for
 * optim/journal.ts, which another change is restructuring; delete it once that import points at the engine.
 */
export { empty } from '../engine/dispatch.js';
