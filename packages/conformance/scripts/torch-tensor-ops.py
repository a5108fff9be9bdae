"""Prints the PyTorch 1.13 values and gradients of the tensor-op cases of src/suites/ops/tensor-ops.ts as the
TypeScript module src/suites/ops/tensor-ops-torch.ts:
    /usr/bin/python3 packages/conformance/scripts/torch-tensor-ops.py > packages/conformance/src/suites/ops/tensor-ops-torch.ts
Inputs are X(shape, start, step) = start + step * arange, the gradient is that of sum(y * w), w = 0.1, 0.2, ...
"""
import torch, json
torch.set_default_dtype(torch.float64)
def X(shape, start=-1.0, step=0.35):
    n = 1
    for s in shape: n *= s
    return (torch.arange(n, dtype=torch.float64) * step + start).reshape(shape)
def run(name, fn, *inputs):
    xs = [t.clone().requires_grad_(t.dtype == torch.float64) for t in inputs]
    y = fn(*xs)
    w = (torch.arange(y.numel(), dtype=torch.float64) * 0.1 + 0.1).reshape(y.shape)
    out = {'shape': list(y.shape), 'value': y.detach().flatten().tolist()}
    if y.requires_grad:
        (y * w).sum().backward()
        out['grads'] = [x.grad.flatten().tolist() if x.grad is not None else None for x in xs if x.dtype == torch.float64]
    R[name] = out
R = {}
x23 = X([2,3]); x34 = X([3,4])
run('repeat [2,3] by (2,1,2)', lambda x: x.repeat(2,1,2), x23)
run('repeat [3] by (2,2)', lambda x: x.repeat(2,2), X([3]))
run('tile [2,3] by (2)', lambda x: x.tile((2,)), x23)
run('tile [3] by (2,2)', lambda x: x.tile((2,2)), X([3]))
run('flip [2,3] dims (0,1)', lambda x: x.flip(0,1), x23)
run('flip [2,3,2] dims (-1)', lambda x: x.flip(-1), X([2,3,2]))
run('roll [2,3] flattened by 1', lambda x: x.roll(1), x23)
run('roll [2,3] by (1,-4) over (0,1)', lambda x: x.roll((1,-4),(0,1)), x23)
run('triu [3,4]', lambda x: x.triu(), x34)
run('triu [3,4] diagonal 1', lambda x: x.triu(1), x34)
run('tril [3,4] diagonal -1', lambda x: x.tril(-1), x34)
run('tril [2,3,3] diagonal 1', lambda x: x.tril(1), X([2,3,3]))
m23 = torch.tensor([[True,False,True],[False,False,True]])
run('maskedFill [2,3] with -5', lambda x: x.masked_fill(m23, -5.0), x23)
run('maskedFill [2,3] with a row mask', lambda x: x.masked_fill(torch.tensor([False,True,False]), 2.5), x23)
run('maskedFill [2,3] with a 0-d tensor', lambda x, v: x.masked_fill(m23, v), x23, torch.tensor(0.75))
idx = torch.tensor([[0,2],[1,1],[3,0]])
run('scatter [3,4] dim 1 src [3,2]', lambda x, s: x.scatter(1, idx, s), x34, X([3,2], 5, 1))
run('scatter [3,4] dim 1 value 9', lambda x: x.scatter(1, idx, 9.0), x34)
idx0 = torch.tensor([[0,2,2,1],[2,0,1,1]])
run('scatter [3,4] dim 0 src [2,4]', lambda x, s: x.scatter(0, idx0, s), x34, X([2,4], 5, 1))
run('scatterAdd [3,4] dim 1 src [3,2]', lambda x, s: x.scatter_add(1, idx, s), x34, X([3,2], 5, 1))
run('scatterAdd [3,4] dim 0 src [2,4]', lambda x, s: x.scatter_add(0, idx0, s), x34, X([2,4], 5, 1))
run('scatterAdd [3,4] dim -2 src [2,5] cut to the index', lambda x, s: x.scatter_add(-2, idx0, s[:, :4]), x34, X([2,5], 5, 1))
run('indexAdd [4,3] dim 0 alpha 2', lambda x, s: x.index_add(0, torch.tensor([0,2,3,0]), s, alpha=2), X([4,3]), X([4,3], 1, 0.5))
run('indexAdd [2,4] dim 1', lambda x, s: x.index_add(1, torch.tensor([3,1,3]), s), X([2,4]), X([2,3], 1, 0.5))
run('indexPut [3,4] at (0,2),(1,3)', lambda x, v: x.index_put((torch.tensor([0,2]), torch.tensor([1,-1])), v), x34, torch.tensor([10.,20.]))
run('indexPut [3,4] rows [2,0] with a broadcast row', lambda x, v: x.index_put((torch.tensor([2,0]),), v), x34, X([4], 7, 1))
run('indexPut [3,4] accumulate repeated places', lambda x, v: x.index_put((torch.tensor([0,0,2]), torch.tensor([1,1,3])), v, accumulate=True), x34, torch.tensor([1.,2.,3.]))
run('indexPut [3,4] broadcast index tensors', lambda x, v: x.index_put((torch.tensor([[0],[2]]), torch.tensor([1,3])), v), x34, X([2,2], 7, 1))
run('indexPut [3,4] with a bool mask', lambda x, v: x.index_put((torch.tensor([[True,False,False,True],[False,False,True,False],[True,True,False,False]]),), v), x34, X([5], 7, 1))
run('indexPut [3,4] with a row mask and a number', lambda x: x.index_put((torch.tensor([True,False,True]),), torch.tensor(4.)), x34)
run('maskedScatter [2,3]', lambda x, s: x.masked_scatter(m23, s), x23, X([5], 7, 1))
run('maskedScatter [2,3] with a row mask', lambda x, s: x.masked_scatter(torch.tensor([True,False,True]), s), x23, X([2,3], 7, 1))
run('indexPut [3,4] repeated places', lambda x, v: x.index_put((torch.tensor([0,0,2]), torch.tensor([1,1,3])), v), x34, torch.tensor([1.,2.,3.]))
nan = float('nan')
run('cumsum [2,3] dim 1', lambda x: x.cumsum(1), x23)
run('cumsum [2,3,2] dim -3', lambda x: x.cumsum(-3), X([2,3,2]))
run('cumprod [2,4] dim 1', lambda x: x.cumprod(1), X([2,4], 0.5, 0.3))
run('cumprod with zeros', lambda x: x.cumprod(1), torch.tensor([[2., 0., 3., 4.], [0., 2., 0., 5.], [1.5, -2., 0.5, 0.]]))
run('cumprod [3,2] dim 0', lambda x: x.cumprod(0), X([3,2], -1.2, 0.5))
T = torch.tensor([[3., -1., 3., nan, 0., -0., 2.], [1., 1., nan, -5., 1., 7., nan]])
run('sort with ties and NaN', lambda x: x.sort(dim=1, stable=True)[0], T)
run('sort with ties and NaN: indices', lambda x: x.sort(dim=1, stable=True)[1].to(torch.int32), T)
run('sort descending with ties and NaN', lambda x: x.sort(dim=-1, descending=True, stable=True)[0], T)
run('sort descending with ties and NaN: indices', lambda x: x.sort(dim=-1, descending=True, stable=True)[1].to(torch.int32), T)
run('sort [3,2,2] dim 0', lambda x: x.sort(dim=0)[0], torch.tensor([[[3., 1.], [2., 8.]], [[-1., 4.], [2., 0.]], [[0.5, 9.], [7., -3.]]]))
run('argsort [2,3] dim 0 descending', lambda x: x.argsort(dim=0, descending=True).to(torch.int32), torch.tensor([[1., 5., 2.], [3., 0., 2.]]))
U = torch.tensor([[4., 1., 7., 7., -2.], [0., nan, 3., 3., 9.]])
run('topk 3', lambda x: x.topk(3)[0], U)
run('topk 3: indices', lambda x: x.topk(3)[1].to(torch.int32), torch.tensor([[4., 1., 7., 6., -2.], [0., nan, 3., 5., 9.]]))
run('topk 2 smallest dim 0', lambda x: x.topk(2, dim=0, largest=False)[0], X([3,4], 2, -0.7).reshape(4,3).t().contiguous())
run('oneHot [2,2]', lambda i: torch.nn.functional.one_hot(i).to(torch.int32), torch.tensor([[0,2],[1,0]]))
run('oneHot [3] into 4', lambda i: torch.nn.functional.one_hot(i, 4).to(torch.int32), torch.tensor([3,0,1]))
print("""/**
 * Values and gradients printed by PyTorch 1.13 (float64; `torch.autograd` of `sum(y * w)` with
 * `w = 0.1, 0.2, ...` over y's elements) for the cases of tensor-ops.ts, by case name, written by
 * `/usr/bin/python3 packages/conformance/scripts/torch-tensor-ops.py`; do not edit by hand.
 */

/** One PyTorch result: output shape, flat values, and the flat gradient of each float input. */
export interface TorchResult {
  shape: number[];
  value: number[];
  grads?: (number[] | null)[];
}

/** The results by case name. */
export const TORCH_TENSOR_OPS: Record<string, TorchResult> = {""")
for k, v in R.items():
    print(f"  {json.dumps(k)}: {json.dumps(v)},")
print("};")
