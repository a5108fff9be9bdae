"""Prints the PyTorch 1.13 einsum results of src/suites/ops/einsum.ts as src/suites/ops/einsum-torch.ts."""
import torch, json
torch.set_default_dtype(torch.float64)
def X(shape, start=-1.0, step=0.35):
    n = 1
    for s in shape: n *= s
    return (torch.arange(n, dtype=torch.float64) * step + start).reshape(shape)
R = {}
def run(name, eq, shapes, *inputs):
    xs = [t.clone().requires_grad_() for t in inputs]
    y = torch.einsum(eq, *xs)
    w = (torch.arange(y.numel(), dtype=torch.float64) * 0.1 + 0.1).reshape(y.shape)
    (y * w).sum().backward()
    R[name] = {'equation': eq, 'shapes': shapes, 'shape': list(y.shape), 'value': y.detach().flatten().tolist(), 'grads': [x.grad.flatten().tolist() for x in xs]}
for name, eq, shapes in [
  ('matmul', 'ij,jk->ik', [[2,3],[3,4]]),
  ('implicit matmul', 'ij,jk', [[2,3],[3,4]]),
  ('implicit transpose', 'ba', [[2,3]]),
  ('diagonal', 'ii->i', [[3,3]]),
  ('trace', 'ii', [[3,3]]),
  ('batched matmul', 'bij,bjk->bik', [[2,2,3],[2,3,2]]),
  ('outer product', 'i,j->ij', [[3],[4]]),
  ('dot', 'i,i->', [[4],[4]]),
  ('sum of all', 'ij->', [[2,3]]),
  ('three operands', 'ij,jk,kl->il', [[2,3],[3,2],[2,2]]),
  ('bilinear', 'bn,anm,bm->ba', [[2,3],[2,3,4],[2,4]]),
  ('ellipsis transpose', '...ij->...ji', [[2,2,3]]),
  ('ellipsis broadcast', '...ij,...jk->...ik', [[2,1,2,3],[3,3,2]]),
  ('ellipsis summed', '...i->i', [[2,3]]),
  ('attention scores', 'bhqd,bhkd->bhqk', [[2,2,3,4],[2,2,3,4]]),
  ('repeated label in one term with another operand', 'iij,j->i', [[3,3,2],[2]]),
  ('broadcast size-1 label', 'i,i', [[3],[1]]),
]:
    run(name, eq, shapes, *[X(s, -1 + 0.2 * k, 0.35 - 0.1 * k) for k, s in enumerate(shapes)])
print("""/**
 * Values and gradients printed by PyTorch 1.13 (float64; the gradient of `sum(y * w)`, `w = 0.1, 0.2, ...`)
 * for the einsum cases of einsum.ts, by case name, written by
 * `/usr/bin/python3 packages/conformance/scripts/torch-einsum.py`; do not edit by hand. Operand k is
 * `X(shape, -1 + 0.2k, 0.35 - 0.1k)`.
 */

import type { TorchResult } from './tensor-ops-torch.js';

/** The results by case name. */
export const TORCH_EINSUM: Record<string, TorchResult & { equation: string; shapes: number[][] }> = {""")
for k, v in R.items():
    print(f"  {json.dumps(k)}: {json.dumps(v)},")
print("};")
