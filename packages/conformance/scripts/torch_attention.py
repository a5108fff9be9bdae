"""Prints the PyTorch 1.13 values of the attention suite into ../src/suites/nn/torch-attention-values.ts.
Parameter i (named_parameters order) is wave(shape, 200 + i, 0.3); inputs are waves. PyTorch 1.13 has no
public scaled_dot_product_attention, so its expected values use the definition softmax(q kᵀ · scale + mask) v."""
import math

import torch
import torch.nn.functional as F

from torch_common import emit, flat, wave, write

out = []


def set_waves(m, base=200):
    with torch.no_grad():
        for i, (_, p) in enumerate(m.named_parameters()):
            p.copy_(wave(list(p.shape), base + i, 0.3))


# scaledDotProductAttention by definition: bool masks are True where attention is allowed.
def sdpa(q, k, v, mask=None, causal=False, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ k.transpose(-2, -1) * scale
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        mask = torch.ones(L, S, dtype=torch.bool).tril()
    if mask is not None:
        s = s.masked_fill(~mask, float('-inf')) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


B, Hh, L, S, E, Ev = 2, 2, 3, 4, 4, 5
bool_mask = torch.tensor([[True, True, False, True], [False, True, True, True], [True, False, False, False]])
float_mask = wave([L, S], 30, 1.0)
for name, kw in (
    ('sdpaPlain', {}),
    ('sdpaBool', dict(mask=bool_mask)),
    ('sdpaFloat', dict(mask=float_mask)),
    ('sdpaCausal', dict(causal=True)),
    ('sdpaScale', dict(scale=0.3)),
):
    Lq = S if name == 'sdpaCausal' else L
    q = wave([B, Hh, Lq, E], 21).requires_grad_()
    k = wave([B, Hh, S, E], 22).requires_grad_()
    v = wave([B, Hh, S, Ev], 23).requires_grad_()
    y = sdpa(q, k, v, **kw)
    (y * wave(list(y.shape), 24)).sum().backward()
    emit(f'{name}Out', flat(y), out)
    emit(f'{name}GradQ', flat(q.grad), out)
    emit(f'{name}GradK', flat(k.grad), out)
    emit(f'{name}GradV', flat(v.grad), out)

# MultiheadAttention.
E, heads, L, S, N = 6, 2, 3, 4, 2
kpm = torch.tensor([[False, False, True, False], [False, False, False, True]])
amask = torch.tensor([[False, True, False, False], [False, False, False, True], [True, False, False, False]])
CASES = {
    'mhaSelf': (dict(), dict(), False, 'self'),
    'mhaMasks': (dict(), dict(key_padding_mask=kpm, attn_mask=amask), False, 'cross'),
    'mhaFloatMask': (dict(batch_first=True), dict(attn_mask=wave([L, S], 31, 1.0), average_attn_weights=False), True, 'cross'),
    'mhaKdim': (dict(kdim=3, vdim=5), dict(key_padding_mask=kpm), False, 'kdim'),
    'mhaNoBias': (dict(bias=False), dict(need_weights=False), False, 'cross'),
    'mhaCausal': (dict(batch_first=True), dict(attn_mask=torch.ones(4, 4, dtype=torch.bool).triu(1)), True, 'self'),
}
for name, (ctor, call, bf, kind) in CASES.items():
    m = torch.nn.MultiheadAttention(E, heads, **ctor)
    set_waves(m)
    emit(f'{name}Keys', list(m.state_dict().keys()), out)
    emit(f'{name}Shapes', [list(t.shape) for t in m.state_dict().values()], out)
    Lq = S if kind == 'self' else L
    qshape = [N, Lq, E] if bf else [Lq, N, E]
    kshape = [N, S, ctor.get('kdim', E)] if bf else [S, N, ctor.get('kdim', E)]
    vshape = [N, S, ctor.get('vdim', E)] if bf else [S, N, ctor.get('vdim', E)]
    q = wave(qshape, 41).requires_grad_()
    if kind == 'self':
        k = v = q
    else:
        k = wave(kshape, 42).requires_grad_()
        v = wave(vshape, 43).requires_grad_()
    y, w = m(q, k, v, **call)
    loss = (y * wave(list(y.shape), 44)).sum()
    if w is not None:
        emit(f'{name}Weights', flat(w), out)
        emit(f'{name}WeightsShape', list(w.shape), out)
        loss = loss + (w * wave(list(w.shape), 45)).sum()
    loss.backward()
    emit(f'{name}Out', flat(y), out)
    emit(f'{name}GradQ', flat(q.grad), out)
    if kind != 'self':
        emit(f'{name}GradK', flat(k.grad), out)
        emit(f'{name}GradV', flat(v.grad), out)
    emit(f'{name}GradParams', [flat(p.grad) for _, p in m.named_parameters()], out)

# A PyTorch MultiheadAttention with its own init, for the safetensors state-dict test.
torch.manual_seed(0)
m = torch.nn.MultiheadAttention(E, heads)
with torch.no_grad():
    m.in_proj_bias.uniform_(-0.2, 0.2)
    m.out_proj.bias.uniform_(-0.2, 0.2)
sd = m.state_dict()
emit('sdKeys', list(sd.keys()), out)
emit('sdShapes', [list(t.shape) for t in sd.values()], out)
emit('sdValues', [flat(t) for t in sd.values()], out)
x = wave([L, N, E], 46)
y, w = m(x, x, x)
emit('sdOut', flat(y), out)
emit('sdWeights', flat(w), out)

# TransformerEncoderLayer without dropout, post-norm and pre-norm.
for name, kw in (
    ('encPost', dict()),
    ('encPre', dict(norm_first=True, activation='gelu', batch_first=True)),
):
    m = torch.nn.TransformerEncoderLayer(E, heads, dim_feedforward=8, dropout=0.0, **kw)
    set_waves(m)
    emit(f'{name}Keys', list(m.state_dict().keys()), out)
    x = wave([N, L, E] if kw.get('batch_first') else [L, N, E], 47).requires_grad_()
    y = m(x, src_key_padding_mask=torch.tensor([[False, False, True], [False, False, False]]))
    (y * wave(list(y.shape), 48)).sum().backward()
    emit(f'{name}Out', flat(y), out)
    emit(f'{name}GradX', flat(x.grad), out)
    emit(f'{name}GradParams', [flat(p.grad) for _, p in m.named_parameters()], out)

write(
    '../src/suites/nn/torch-attention-values.ts',
    '/**\n * Values printed by PyTorch 1.13 (CPU, float32) for the attention suite: scripts/torch_attention.py.\n * Parameter i is `wave(shape, 200 + i, 0.3)`; inputs are waves (see helpers.ts). Do not edit; rerun the script.\n */\n\n/** The expected numbers, by case. */\nexport const TORCH = {\n',
    out,
)
