"""Prints src/suites/nn/window-torch-data.ts: convolution, pooling and padding cases run through PyTorch
(float64 on float32 inputs). Run with Debian's /usr/bin/python3 (PyTorch 1.13), then format:
  /usr/bin/python3 scripts/torch-window-cases.py > src/suites/nn/window-torch-data.ts
  pnpm biome format --write src/suites/nn/window-torch-data.ts
Inputs are wave(n, seed)[i] = fround(sin(0.7 i + 1.3 seed) * 1.5), the loss is sum(y * probe1); each
tensor is summarized by sum(v * probe1), sum(v * probe2), sum(|v|), plus its values when small.
Also a small CNN's PyTorch state dict as safetensors bytes (base64, written with numpy) and its output."""
import base64, json, math, struct
import numpy as np
import torch
import torch.nn.functional as F

def wave(shape, seed):
    n = int(np.prod(shape))
    v = np.array([math.sin(0.7 * i + 1.3 * seed) * 1.5 for i in range(n)], dtype=np.float32)
    return torch.tensor(v.astype(np.float64)).reshape(shape)

def probe(n, k):
    i = np.arange(n, dtype=np.float64)
    return torch.tensor(np.cos(0.31 * i + 0.5) if k == 1 else np.sin(0.17 * i))

def summary(t):
    f = t.detach().reshape(-1).double()
    out = [float((f * probe(f.numel(), 1)).sum()), float((f * probe(f.numel(), 2)).sum()), float(f.abs().sum())]
    return {'shape': list(t.shape), 'stats': out, 'values': [float(v) for v in f] if f.numel() <= 48 else None}

KEYS = {'outputPadding': 'output_padding', 'ceilMode': 'ceil_mode', 'countIncludePad': 'count_include_pad',
        'returnIndices': 'return_indices'}

def run(case):
    op, opts = case['op'], dict(case.get('opts', {}))
    x = wave(case['x'], 1).requires_grad_()
    w = wave(case['w'], 2).mul(0.5).requires_grad_() if 'w' in case else None
    b = wave(case['b'], 3).requires_grad_() if case.get('b') else None
    kw = {KEYS.get(k, k): (tuple(v) if isinstance(v, list) else v) for k, v in opts.items()}
    indices = None
    if op in ('conv1d', 'conv2d', 'convTranspose2d'):
        fn = {'conv1d': F.conv1d, 'conv2d': F.conv2d, 'convTranspose2d': F.conv_transpose2d}[op]
        y = fn(x, w, b, **kw)
    elif op in ('maxPool1d', 'maxPool2d'):
        fn = F.max_pool1d if op == 'maxPool1d' else F.max_pool2d
        y, idx = fn(x, case['k'], **kw, return_indices=True)
        indices = [int(v) for v in idx.reshape(-1)] if idx.numel() <= 64 else None
    elif op in ('avgPool1d', 'avgPool2d'):
        fn = F.avg_pool1d if op == 'avgPool1d' else F.avg_pool2d
        y = fn(x, case['k'], **kw)
    elif op == 'adaptiveAvgPool2d':
        y = F.adaptive_avg_pool2d(x, tuple(case['k']) if isinstance(case['k'], list) else case['k'])
    elif op == 'pad':
        y = F.pad(x, tuple(case['k']), **kw)
    elif op == 'unfold':
        y = F.unfold(x, case['k'], **kw)
    elif op == 'fold':
        y = F.fold(x, case['size'], case['k'], **kw)
    (y * probe(y.numel(), 1).reshape(y.shape)).sum().backward()
    out = dict(case)
    out['y'] = summary(y)
    out['grads'] = [summary(t.grad) for t in (x, w, b) if t is not None]
    if indices is not None:
        out['indices'] = indices
    return out

CASES = [
    {'name': 'conv2d 3->4 3x3', 'op': 'conv2d', 'x': [2, 3, 7, 6], 'w': [4, 3, 3, 3], 'b': [4]},
    {'name': 'conv2d groups 2, stride [2,1], padding [1,2], dilation [2,1]', 'op': 'conv2d', 'x': [2, 4, 9, 8],
     'w': [6, 2, 3, 2], 'b': [6], 'opts': {'stride': [2, 1], 'padding': [1, 2], 'dilation': [2, 1], 'groups': 2}},
    {'name': "conv2d padding 'same' with an even kernel", 'op': 'conv2d', 'x': [1, 2, 6, 6], 'w': [3, 2, 4, 4],
     'opts': {'padding': 'same'}},
    {'name': "conv2d padding 'valid', stride 2", 'op': 'conv2d', 'x': [1, 2, 6, 5], 'w': [2, 2, 3, 3], 'b': [2],
     'opts': {'padding': 'valid', 'stride': 2}},
    {'name': 'conv2d depthwise (groups = channels), padding 1', 'op': 'conv2d', 'x': [2, 4, 5, 5], 'w': [4, 1, 3, 3],
     'b': [4], 'opts': {'padding': 1, 'groups': 4}},
    {'name': 'conv2d realistic 16->32 3x3 on 13x13, batch 8', 'op': 'conv2d', 'x': [8, 16, 13, 13],
     'w': [32, 16, 3, 3], 'b': [32]},
    {'name': 'conv1d stride 2, padding 1, dilation 2', 'op': 'conv1d', 'x': [2, 3, 10], 'w': [4, 3, 3], 'b': [4],
     'opts': {'stride': 2, 'padding': 1, 'dilation': 2}},
    {'name': "conv1d groups 2, padding 'same'", 'op': 'conv1d', 'x': [2, 4, 9], 'w': [4, 2, 2],
     'opts': {'groups': 2, 'padding': 'same'}},
    {'name': 'conv1d groups 3, dilation 3, stride 2, padding 4 (realistic length 64)', 'op': 'conv1d',
     'x': [4, 6, 64], 'w': [9, 2, 5], 'b': [9], 'opts': {'groups': 3, 'dilation': 3, 'stride': 2, 'padding': 4}},
    {'name': 'maxPool1d 3, dilation 2, stride 1, padding 1', 'op': 'maxPool1d', 'x': [2, 2, 12], 'k': 3,
     'opts': {'dilation': 2, 'stride': 1, 'padding': 1}},
    {'name': 'convTranspose2d realistic 32->16 4x4, stride 2, padding 1, on 7x7, batch 8', 'op': 'convTranspose2d',
     'x': [8, 32, 7, 7], 'w': [32, 16, 4, 4], 'b': [16], 'opts': {'stride': 2, 'padding': 1}},
    {'name': 'convTranspose2d 3->4 3x3', 'op': 'convTranspose2d', 'x': [2, 3, 4, 5], 'w': [3, 4, 3, 3], 'b': [4]},
    {'name': 'convTranspose2d stride 2, padding 1, outputPadding 1, groups 2, dilation [1,2]',
     'op': 'convTranspose2d', 'x': [2, 4, 3, 4], 'w': [4, 3, 2, 3], 'b': [6],
     'opts': {'stride': 2, 'padding': 1, 'outputPadding': 1, 'groups': 2, 'dilation': [1, 2]}},
    {'name': 'convTranspose2d stride [2,3], padding [0,1], outputPadding [1,0]', 'op': 'convTranspose2d',
     'x': [1, 2, 5, 5], 'w': [2, 3, 3, 3], 'opts': {'stride': [2, 3], 'padding': [0, 1], 'outputPadding': [1, 0]}},
    {'name': 'unfold [2, 3], dilation [1, 2], padding 1, stride [2, 1]', 'op': 'unfold', 'x': [2, 3, 6, 7], 'k': [2, 3],
     'opts': {'dilation': [1, 2], 'padding': 1, 'stride': [2, 1]}},
    {'name': 'fold 3 into 5x6, padding 1, stride 2', 'op': 'fold', 'x': [2, 4 * 9, 9], 'k': 3, 'size': [5, 6],
     'opts': {'padding': 1, 'stride': 2}},
    {'name': 'maxPool2d 2', 'op': 'maxPool2d', 'x': [2, 3, 7, 6], 'k': 2},
    {'name': 'maxPool2d 3, stride 2, padding 1, ceilMode', 'op': 'maxPool2d', 'x': [1, 2, 8, 7], 'k': 3,
     'opts': {'stride': 2, 'padding': 1, 'ceilMode': True}},
    {'name': 'maxPool2d [3,2], stride [2,1], padding [1,0], dilation [2,1]', 'op': 'maxPool2d', 'x': [1, 2, 10, 5],
     'k': [3, 2], 'opts': {'stride': [2, 1], 'padding': [1, 0], 'dilation': [2, 1]}},
    {'name': 'maxPool2d realistic 2 on [16, 16, 26, 26]', 'op': 'maxPool2d', 'x': [16, 16, 26, 26], 'k': 2},
    {'name': 'maxPool1d 3, stride 2, padding 1, ceilMode', 'op': 'maxPool1d', 'x': [2, 3, 11], 'k': 3,
     'opts': {'stride': 2, 'padding': 1, 'ceilMode': True}},
    {'name': 'avgPool2d 3, stride 2, padding 1', 'op': 'avgPool2d', 'x': [2, 3, 7, 6], 'k': 3,
     'opts': {'stride': 2, 'padding': 1}},
    {'name': 'avgPool2d 3, stride 2, padding 1, countIncludePad false', 'op': 'avgPool2d', 'x': [2, 3, 7, 6], 'k': 3,
     'opts': {'stride': 2, 'padding': 1, 'countIncludePad': False}},
    {'name': 'avgPool2d [3,2], stride [2,3], padding 1, ceilMode', 'op': 'avgPool2d', 'x': [1, 2, 8, 7],
     'k': [3, 2], 'opts': {'stride': [2, 3], 'padding': 1, 'ceilMode': True}},
    {'name': 'avgPool2d [3,2], stride [2,3], padding 1, ceilMode, countIncludePad false', 'op': 'avgPool2d',
     'x': [1, 2, 8, 7], 'k': [3, 2], 'opts': {'stride': [2, 3], 'padding': 1, 'ceilMode': True,
                                                 'countIncludePad': False}},
    {'name': 'avgPool1d 4, stride 3, padding 2, ceilMode', 'op': 'avgPool1d', 'x': [2, 3, 11], 'k': 4,
     'opts': {'stride': 3, 'padding': 2, 'ceilMode': True}},
    {'name': 'adaptiveAvgPool2d [3, 4] from 7x9', 'op': 'adaptiveAvgPool2d', 'x': [2, 3, 7, 9], 'k': [3, 4]},
    {'name': 'adaptiveAvgPool2d 1 (global average)', 'op': 'adaptiveAvgPool2d', 'x': [1, 2, 5, 5], 'k': 1},
    {'name': 'adaptiveAvgPool2d [4, null] from 6x5', 'op': 'adaptiveAvgPool2d', 'x': [1, 2, 6, 5], 'k': [4, None]},
    {'name': 'pad constant 0.5 [1, 2, 2, 1]', 'op': 'pad', 'x': [2, 3, 4, 5], 'k': [1, 2, 2, 1],
     'opts': {'mode': 'constant', 'value': 0.5}},
    {'name': 'pad constant with a crop [-1, 2, 0, 1]', 'op': 'pad', 'x': [2, 3, 4, 5], 'k': [-1, 2, 0, 1]},
    {'name': 'pad reflect [2, 3, 3, 1]', 'op': 'pad', 'x': [2, 3, 4, 5], 'k': [2, 3, 3, 1], 'opts': {'mode': 'reflect'}},
    {'name': 'pad replicate [2, 3, 3, 1]', 'op': 'pad', 'x': [2, 3, 4, 5], 'k': [2, 3, 3, 1],
     'opts': {'mode': 'replicate'}},
    {'name': 'pad reflect 1-d [3, 2]', 'op': 'pad', 'x': [2, 3, 6], 'k': [3, 2], 'opts': {'mode': 'reflect'}},
]

print('/**')
print(' * Generated by scripts/torch-window-cases.py with PyTorch ' + torch.__version__ + ' (float64 on float32 inputs): do not')
print(' * edit by hand. Convolution, pooling and padding cases with their outputs and gradients, summarized.')
print(' */')
print('')
print('/** A summarized tensor: shape, `[sum(v·probe1), sum(v·probe2), sum(|v|)]`, and the values when small. */')
print('export interface TorchTensor { shape: number[]; stats: number[]; values: number[] | null }')
print('')
print('/** One case: the op, input shapes (x, w, b), kernel size or pads (`k`), options, and PyTorch results. */')
print('export interface TorchWindowCase {')
print('  name: string; op: string; x: number[]; w?: number[]; b?: number[]; k?: unknown; size?: number[]; opts?: Record<string, unknown>;')
print('  y: TorchTensor; grads: TorchTensor[]; indices?: number[];')
print('}')
print('')
print('/** The cases. */')
print('export const TORCH_WINDOW_CASES: TorchWindowCase[] = [')
for c in CASES:
    print('  ' + json.dumps(run(c)) + ',')
print('];')


def safetensors_bytes(sd):
    header, blobs, offset = {}, [], 0
    for k, v in sd.items():
        b = v.detach().numpy().astype('<f4').tobytes()
        header[k] = {'dtype': 'F32', 'shape': list(v.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(blobs)

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(2, 4, 3, padding=1, groups=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(4, 3, 2), torch.nn.ConvTranspose2d(3, 2, 2, stride=2), torch.nn.Flatten(),
    torch.nn.Linear(32, 3))
x = wave([2, 2, 6, 6], 1).float()
with torch.no_grad():
    y = model(x)
sd = model.state_dict()
print('')
print('/** A PyTorch CNN (Conv2d groups 2, ReLU, MaxPool2d, Conv2d, ConvTranspose2d, Flatten, Linear): its')
print(' * state dict as safetensors bytes written with numpy (base64), key shapes, and its output on wave([2, 2, 6, 6], 1). */')
print('export const TORCH_CNN = ' + json.dumps({
    'safetensors': base64.b64encode(safetensors_bytes(sd)).decode(),
    'shapes': {k: list(v.shape) for k, v in sd.items()},
    'output': [float(v) for v in y.reshape(-1)],
}) + ';')
