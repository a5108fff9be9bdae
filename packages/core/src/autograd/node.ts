/**
 * A recorded op in the autograd graph and the shape of gradient rules. Each ops file declares what its
 * ops save (`RuleSpec`s, an interface per file) and writes one rule per op in a table typed from that
 * declaration (`GradRules`), next to the forwards, so a rule can read only what its op saved and an op
 * without a rule does not compile. The node holds the saved tensors; rules capture nothing.
 */
import type { Tensor } from '../tensor/tensor.js';

/** The gradient of each input of an op, in input order (null where an input needs none). */
export type Grads = (Tensor | null)[];

/** What an op saves for its rule: the tensors it reads, and its non-tensor parameters (dims, shapes...). */
export interface RuleSpec {
  readonly saved: readonly Tensor[];
  readonly ctx: unknown;
}

/**
 * A gradient rule: from the output gradient `g`, the tensors its op saved, its parameters and which inputs
 * need a gradient (`needs[k]` for input k), the gradient of each input.
 */
export type GradRule<S extends RuleSpec = RuleSpec> = (
  g: Tensor,
  saved: S['saved'],
  ctx: S['ctx'],
  needs: readonly boolean[],
) => Grads;

/** One rule per op that `Ops` declares; a declared op without a rule fails to compile. */
export type GradRules<Ops extends { [P in keyof Ops]: RuleSpec }> = { readonly [P in keyof Ops]: GradRule<Ops[P]> };

/** One node of the graph. */
export interface GradNode {
  /** The op's name, for error messages and graph printing. */
  readonly op: string;
  /** The op's inputs, in the order the rule returns gradients. Emptied when the graph is released. */
  inputs: Tensor[];
  /** The tensors the rule reads, as the op declared them; kept until release (and by `tidy` when the output escapes). */
  saved: Tensor[];
  /** The op's non-tensor parameters, passed to the rule. */
  readonly ctx: unknown;
  /** Null once released (after `backward()` without `retainGraph`). */
  rule: GradRule | null;
}

/** Runs `node`'s rule on the gradient `g` of its output (the node must not be released). */
export function runRule(node: GradNode, g: Tensor): Grads {
  const rule = node.rule as GradRule;
  return rule(
    g,
    node.saved,
    node.ctx,
    node.inputs.map((t) => t.requiresGrad),
  );
}

/** Drops what the node holds (its rule, inputs and saved tensors), so they can be freed. */
export function releaseNode(node: GradNode): void {
  node.rule = null;
  node.inputs = [];
  node.saved = [];
}
