/**
 * Gradients of every elementwise op of core: unary math, activations, and binary ops with broadcasting,
 * tensor exponents and scalar operands on either side. Inputs stay away from kinks (0 for abs and relu,
 * integers for floor) for finite differences; ties of maximum/minimum are checked against the reference only.
 */
import * as cp from '@cp/core';
import { describe } from 'vitest';
import type { Suite } from '../../context.js';
import { type OpCase, registerGradcheckLeakTest, registerOpCases } from './op-harness.js';

const S = [2, 3];
const positive = { shape: S, range: [0.5, 2] as [number, number] };
const any = { shape: S };
const nonZero = { shape: S, awayFromZero: 0.2 };

/** Unary ops and activations, each on a [2, 3] input from its domain. */
const UNARY_CASES: OpCase[] = [
  { name: 'neg', inputs: [any], fn: (x) => cp.neg(x) },
  { name: 'abs away from 0', inputs: [nonZero], fn: (x) => cp.abs(x) },
  { name: 'sign (gradient 0)', inputs: [nonZero], fn: (x) => cp.sign(x) },
  { name: 'exp', inputs: [any], fn: (x) => cp.exp(x) },
  { name: 'expm1', inputs: [any], fn: (x) => cp.expm1(x) },
  { name: 'log', inputs: [positive], fn: (x) => cp.log(x) },
  { name: 'log1p', inputs: [{ shape: S, range: [-0.5, 2] }], fn: (x) => cp.log1p(x) },
  { name: 'sqrt', inputs: [positive], fn: (x) => cp.sqrt(x) },
  { name: 'rsqrt', inputs: [positive], fn: (x) => cp.rsqrt(x) },
  { name: 'reciprocal', inputs: [{ shape: S, range: [0.5, 2] }], fn: (x) => cp.reciprocal(cp.mul(x, -1)) },
  { name: 'square', inputs: [any], fn: (x) => x.square() },
  { name: 'sin', inputs: [{ shape: S, range: [-4, 4] }], fn: (x) => cp.sin(x) },
  { name: 'cos', inputs: [{ shape: S, range: [-4, 4] }], fn: (x) => cp.cos(x) },
  { name: 'erf', inputs: [any], fn: (x) => cp.erf(x) },
  {
    name: 'floor (gradient 0)',
    inputs: [{ shape: S, values: [-1.5, -0.5, 0.25, 0.5, 1.5, 2.75] }],
    fn: (x) => cp.floor(x),
  },
  { name: 'tanh', inputs: [any], fn: (x) => cp.tanh(x) },
  { name: 'sigmoid', inputs: [{ shape: S, range: [-4, 4] }], fn: (x) => cp.sigmoid(x) },
  { name: 'relu away from 0', inputs: [nonZero], fn: (x) => cp.relu(x) },
  { name: 'leakyRelu', inputs: [nonZero], fn: (x) => cp.leakyRelu(x, 0.1) },
  { name: 'gelu (erf)', inputs: [any], fn: (x) => cp.gelu(x) },
  { name: 'gelu (tanh approximation)', inputs: [any], fn: (x) => cp.gelu(x, 'tanh') },
  { name: 'softplus', inputs: [{ shape: S, range: [-4, 4] }], fn: (x) => cp.softplus(x) },
  {
    name: 'softplus with beta 2 past the threshold',
    inputs: [{ shape: S, values: [-3, -1, 0.5, 2, 11, 12] }],
    fn: (x) => cp.softplus(x, 2, 20),
  },
  {
    name: 'relu at exactly 0 has gradient 0',
    inputs: [{ shape: [3], values: [-1, 0, 1] }],
    fn: (x) => cp.relu(x),
    noGradcheck: true,
  },
  {
    name: 'abs at exactly 0 has gradient 0',
    inputs: [{ shape: [3], values: [-1, 0, 1] }],
    fn: (x) => cp.abs(x),
    noGradcheck: true,
  },
];

/** Binary ops, broadcasting on every side, and scalar operands. */
const BINARY_CASES: OpCase[] = [
  { name: 'add broadcasting [2, 3] + [3]', inputs: [any, { shape: [3] }], fn: (a, b) => cp.add(a, b) },
  {
    name: 'add broadcasting [2, 1] + [1, 3]',
    inputs: [{ shape: [2, 1] }, { shape: [1, 3] }],
    fn: (a, b) => cp.add(a, b),
  },
  { name: 'sub broadcasting [] - [2, 2]', inputs: [{ shape: [] }, { shape: [2, 2] }], fn: (a, b) => cp.sub(a, b) },
  {
    name: 'mul broadcasting [2, 1, 3] * [4, 1]',
    inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }],
    fn: (a, b) => cp.mul(a, b),
  },
  { name: 'mul of a tensor with itself', inputs: [any], fn: (a) => cp.mul(a, a) },
  {
    name: 'div broadcasting [2, 3] / [2, 1]',
    inputs: [any, { shape: [2, 1], awayFromZero: 0.5 }],
    fn: (a, b) => cp.div(a, b),
  },
  { name: 'pow with a tensor exponent', inputs: [positive, { shape: S, range: [-2, 2] }], fn: (a, b) => cp.pow(a, b) },
  { name: 'pow with a broadcast tensor exponent', inputs: [positive, { shape: [1] }], fn: (a, b) => cp.pow(a, b) },
  {
    name: 'maximum broadcasting, distinct values',
    inputs: [
      { shape: S, values: [-1, 0.5, 2, -3, 1.5, 0.25] },
      { shape: [3], values: [0, 1, -1] },
    ],
    fn: (a, b) => cp.maximum(a, b),
  },
  {
    name: 'minimum broadcasting, distinct values',
    inputs: [
      { shape: S, values: [-1, 0.5, 2, -3, 1.5, 0.25] },
      { shape: [3], values: [0, 1, -1] },
    ],
    fn: (a, b) => cp.minimum(a, b),
  },
  {
    name: 'maximum and minimum split the gradient of ties in half',
    inputs: [
      { shape: [4], values: [1, 2, -1, 0] },
      { shape: [4], values: [1, 3, -1, 0] },
    ],
    fn: (a, b) => cp.add(cp.maximum(a, b), cp.mul(cp.minimum(a, b), 3)),
    noGradcheck: true,
  },
  { name: 'add with a scalar', inputs: [any], fn: (x) => cp.add(x, 2.5) },
  { name: 'sub from a scalar', inputs: [any], fn: (x) => cp.sub(2.5, x) },
  { name: 'mul by a scalar', inputs: [any], fn: (x) => cp.mul(x, -0.75) },
  { name: 'div by a scalar', inputs: [any], fn: (x) => cp.div(x, 3) },
  { name: 'div of a scalar by a tensor', inputs: [{ shape: S, range: [0.5, 2] }], fn: (x) => cp.div(2, x) },
  { name: 'pow with a scalar exponent', inputs: [positive], fn: (x) => cp.pow(x, 3) },
  { name: 'pow with a fractional scalar exponent', inputs: [positive], fn: (x) => cp.pow(x, -1.5) },
  { name: 'pow of a scalar base', inputs: [any], fn: (x) => cp.pow(2, x) },
  { name: 'maximum with a scalar', inputs: [nonZero], fn: (x) => cp.maximum(x, 0.1) },
  { name: 'minimum with a scalar', inputs: [nonZero], fn: (x) => cp.minimum(x, 0.1) },
  {
    name: 'clamp with both bounds',
    inputs: [{ shape: S, values: [-3, -0.5, 0.2, 0.9, 1.5, 4] }],
    fn: (x) => cp.clamp(x, -1, 1),
  },
  {
    name: 'clamp with only a lower bound',
    inputs: [{ shape: S, values: [-3, -0.5, 0.2, 0.9, 1.5, 4] }],
    fn: (x) => cp.clamp(x, 0),
  },
  {
    name: 'clamp at its bound passes the gradient',
    inputs: [{ shape: [3], values: [-1, 0, 1] }],
    fn: (x) => cp.clamp(x, -1, 1),
    noGradcheck: true,
  },
  {
    name: 'clamp with tensor bounds',
    inputs: [
      { shape: S, values: [-3, -0.5, 0.2, 0.9, 1.5, 4] },
      { shape: [3], values: [-1, 0, 0.5] },
    ],
    fn: (x, lo) => cp.clamp(x, lo, 2),
  },
];

/** Gradients of elementwise ops. */
export const elementwiseGradientSuite: Suite = (ctx) => {
  describe('op gradients: gradcheck', () => registerGradcheckLeakTest(ctx));
  registerOpCases(ctx, 'op gradients: unary ops and activations', UNARY_CASES);
  registerOpCases(ctx, 'op gradients: binary ops, broadcasting and scalars', BINARY_CASES);
};
