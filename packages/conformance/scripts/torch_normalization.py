"""Prints the PyTorch 1.13 values of the normalization suite into ../src/suites/nn/torch-normalization-values.ts."""
import torch
import torch.nn.functional as F

from torch_common import emit, flat, wave, write

out = []
x = wave([4, 3, 2], 1)
w = wave([3], 2)
b = wave([3], 3)
rm = wave([3], 4, 0.5)
rv = wave([3], 5, 0.5).abs() + 0.5
g = wave([4, 3, 2], 6)

for training in (True, False):
    xs, ws, bs = (t.clone().requires_grad_() for t in (x, w, b))
    m, v = rm.clone(), rv.clone()
    y = F.batch_norm(xs, m, v, ws, bs, training=training, momentum=0.2, eps=1e-3)
    (y * g).sum().backward()
    tag = 'bnTrain' if training else 'bnEval'
    emit(f'{tag}Out', flat(y), out)
    emit(f'{tag}GradX', flat(xs.grad), out)
    emit(f'{tag}GradW', flat(ws.grad), out)
    emit(f'{tag}GradB', flat(bs.grad), out)
    emit(f'{tag}RunningMean', flat(m), out)
    emit(f'{tag}RunningVar', flat(v), out)

# BatchNorm2d over two training steps, then eval.
for name, momentum in (('bn2d', 0.1), ('bn2dCumulative', None)):
    bn = torch.nn.BatchNorm2d(3, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(w)
        bn.bias.copy_(b)
    bn(wave([2, 3, 2, 2], 7))
    bn(wave([2, 3, 2, 2], 8))
    bn.eval()
    emit(f'{name}RunningMean', flat(bn.running_mean), out)
    emit(f'{name}RunningVar', flat(bn.running_var), out)
    emit(f'{name}EvalOut', flat(bn(wave([2, 3, 2, 2], 9))), out)

# GroupNorm: 6 channels in 3 groups.
xg = wave([2, 6, 3], 10).requires_grad_()
wg = wave([6], 11).requires_grad_()
bg = wave([6], 12).requires_grad_()
yg = F.group_norm(xg, 3, wg, bg, eps=1e-5)
(yg * wave([2, 6, 3], 13)).sum().backward()
emit('gnOut', flat(yg), out)
emit('gnGradX', flat(xg.grad), out)
emit('gnGradW', flat(wg.grad), out)
emit('gnGradB', flat(bg.grad), out)

# A PyTorch BatchNorm1d state dict (buffers from training on random data), and its eval output.
torch.manual_seed(0)
bn = torch.nn.BatchNorm1d(4)
with torch.no_grad():
    bn.weight.uniform_(0.5, 1.5)
    bn.bias.uniform_(-0.5, 0.5)
for _ in range(3):
    bn(torch.randn(8, 4) * 2 + 1)
bn.eval()
sd = bn.state_dict()
emit('sdKeys', list(sd.keys()), out)
for k, t in sd.items():
    emit(f'sd_{k}', flat(t) if t.dtype == torch.float32 else int(t), out)
xs = wave([3, 4], 14)
emit('sdEvalOut', flat(bn(xs)), out)

write(
    '../src/suites/nn/torch-normalization-values.ts',
    '/**\n * Values printed by PyTorch 1.13 (CPU, float32) for the normalization suite: scripts/torch_normalization.py.\n * Inputs are `wave(shape, seed)` (see helpers.ts). Do not edit by hand; rerun the script.\n */\n\n/** The expected numbers, by case. */\nexport const TORCH = {\n',
    out,
)
