/**
 * A recorded op in the autograd graph: its inputs and its local gradient rule. Rules are written in core
 * ops (see ops/*), next to the forward they differentiate, so they run on whatever backend holds the data.
 */
import type { Tensor } from '../tensor/tensor.js';

/** Maps the gradient of an op's output to the gradients of its inputs (null where none is needed). */
export type GradRule = (gradOut: Tensor) => (Tensor | null)[];

/** One node of the graph. */
export interface GradNode {
  /** The op's name, for error messages and graph printing. */
  readonly op: string;
  /** The op's inputs, in the order the rule returns gradients. Emptied when the graph is released. */
  inputs: Tensor[];
  /** Tensors the rule reads; kept alive until release (and by `tidy` when the output escapes). */
  saved: Tensor[];
  /** Null once released (after `backward()` without `retainGraph`). */
  rule: GradRule | null;
}
