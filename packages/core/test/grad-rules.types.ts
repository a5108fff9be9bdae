/**
 * Compile-time tests of the typed rule tables, run by the typecheck target (`tsc --noEmit` includes test/):
 * each `@ts-expect-error` fails the typecheck if the mistake below it ever compiles. Not run by vitest.
 */
import { recorder } from '../src/engine/dispatch.js';
import type { Tensor } from '../src/tensor/tensor.js';

interface Ops {
  mul: { saved: [a: Tensor, b: Tensor]; ctx: null };
  scale: { saved: []; ctx: number };
}

/** A declared op without a rule, or a rule reading more than its op saved, does not compile. */
export function tableChecks(): void {
  // @ts-expect-error a declared op without a rule
  recorder<Ops>({ mul: (g) => [g, g] });
  // @ts-expect-error a rule reading a tensor its op did not declare
  recorder<Ops>({ mul: (_g, [, , c]) => [c, c], scale: (g) => [g] });
}

/** Recording an op outside the table, or with other saved tensors or parameters than declared, does not compile. */
export function recordChecks(t: Tensor): void {
  const record = recorder<Ops>({ mul: (g) => [g, g], scale: (g) => [g] });
  // @ts-expect-error an op without a rule in the table
  record(t, 'add', { inputs: [t], saved: [], ctx: null });
  // @ts-expect-error saving less than the rule reads
  record(t, 'mul', { inputs: [t, t], saved: [t], ctx: null });
  // @ts-expect-error ctx of another type than declared
  record(t, 'scale', { inputs: [t], saved: [], ctx: 'twice' });
}
