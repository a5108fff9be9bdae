"""Prints the PyTorch 1.13 values of the recurrent suite into ../src/suites/nn/torch-recurrent-values.ts.
Every parameter i (in named_parameters order) is wave(shape, 100 + i, 0.5); inputs and states are waves too."""
import torch

from torch_common import emit, flat, wave, write

out = []
T, N, I, H = 4, 2, 3, 5

CASES = {
    'rnnTanh': (torch.nn.RNN, dict(num_layers=2, bidirectional=True), False),
    'rnnRelu': (torch.nn.RNN, dict(nonlinearity='relu'), False),
    'lstm': (torch.nn.LSTM, dict(num_layers=2, bidirectional=True, batch_first=True), True),
    'gru': (torch.nn.GRU, dict(num_layers=2, bidirectional=True), False),
    'gruNoBias': (torch.nn.GRU, dict(bias=False), False),
}

for name, (cls, kw, lstm) in CASES.items():
    m = cls(I, H, **kw)
    with torch.no_grad():
        for i, (_, p) in enumerate(m.named_parameters()):
            p.copy_(wave(list(p.shape), 100 + i, 0.5))
    L = kw.get('num_layers', 1) * (2 if kw.get('bidirectional') else 1)
    shape = [N, T, I] if kw.get('batch_first') else [T, N, I]
    x = wave(shape, 1).requires_grad_()
    h0 = wave([L, N, H], 2, 0.5).requires_grad_()
    if lstm:
        c0 = wave([L, N, H], 3, 0.5).requires_grad_()
        y, (hn, cn) = m(x, (h0, c0))
    else:
        y, hn = m(x, h0)
    loss = (y * wave(list(y.shape), 4)).sum() + (hn * wave(list(hn.shape), 5)).sum()
    if lstm:
        loss = loss + (cn * wave(list(cn.shape), 6)).sum()
    loss.backward()
    emit(f'{name}Keys', [k for k, _ in m.named_parameters()], out)
    emit(f'{name}Shapes', [list(p.shape) for _, p in m.named_parameters()], out)
    emit(f'{name}Out', flat(y), out)
    emit(f'{name}HN', flat(hn), out)
    if lstm:
        emit(f'{name}CN', flat(cn), out)
        emit(f'{name}GradC0', flat(c0.grad), out)
    emit(f'{name}GradX', flat(x.grad), out)
    emit(f'{name}GradH0', flat(h0.grad), out)
    emit(f'{name}GradParams', [flat(p.grad) for _, p in m.named_parameters()], out)

# Without an initial state, unbatched input.
m = torch.nn.GRU(I, H)
with torch.no_grad():
    for i, (_, p) in enumerate(m.named_parameters()):
        p.copy_(wave(list(p.shape), 100 + i, 0.5))
y, hn = m(wave([T, I], 1))
emit('gruUnbatchedOut', flat(y), out)
emit('gruUnbatchedHN', flat(hn), out)

# A PyTorch LSTM with its own (random) init: the state dict written to safetensors by the test.
torch.manual_seed(0)
m = torch.nn.LSTM(I, H, num_layers=1, bidirectional=True)
emit('sdKeys', list(m.state_dict().keys()), out)
emit('sdShapes', [list(t.shape) for t in m.state_dict().values()], out)
emit('sdValues', [flat(t) for t in m.state_dict().values()], out)
y, (hn, cn) = m(wave([T, N, I], 7))
emit('sdOut', flat(y), out)
emit('sdHN', flat(hn), out)
emit('sdCN', flat(cn), out)

write(
    '../src/suites/nn/torch-recurrent-values.ts',
    '/**\n * Values printed by PyTorch 1.13 (CPU, float32) for the recurrent suite: scripts/torch_recurrent.py.\n * Parameter i is `wave(shape, 100 + i, 0.5)`; inputs are waves (see helpers.ts). Do not edit; rerun the script.\n */\n\n/** The expected numbers, by case. */\nexport const TORCH = {\n',
    out,
)
