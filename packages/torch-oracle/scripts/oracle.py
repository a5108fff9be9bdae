"""The PyTorch 1.13 oracle of the torch-oracle suite (run with Debian's /usr/bin/python3, which has torch).

`oracle.py ops|layers` prints one JSON document with every case of the group; `oracle.py model DIR` trains
a small CNN + BatchNorm + LSTM + MultiheadAttention model for a few steps, writes its state dict to
DIR/model.safetensors (and DIR/overflow.safetensors, whose num_batches_tracked does not fit int32) with
numpy, and prints the eval-mode input and output. One process per test file: importing torch takes seconds.

A case holds seeded random inputs (float32, int32 or bool arrays), JSON `args` that both sides read (the
cp spelling: camelCase keys), the forward outputs, and the gradients of `sum(out_i * cot_i)` over the float
outputs with respect to every float input (and, for layers, every parameter, by state-dict key).
"""
import json
import warnings
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float32)
torch.use_deterministic_algorithms(True)
warnings.filterwarnings('ignore', message='Using padding=.same.')


def enc(t):
    """A tensor as {s: shape, t: dtype, d: flat values} (int64 is written as int32, after a range check)."""
    t = t.detach()
    if t.dtype == torch.bool:
        return {'s': list(t.shape), 't': 'bool', 'd': [int(v) for v in t.reshape(-1).tolist()]}
    if t.dtype in (torch.int64, torch.int32):
        vals = t.reshape(-1).tolist()
        assert all(-2**31 <= v < 2**31 for v in vals)
        return {'s': list(t.shape), 't': 'int32', 'd': vals}
    return {'s': list(t.shape), 't': 'float32', 'd': t.float().reshape(-1).tolist()}


def flatten_outputs(out):
    if isinstance(out, torch.Tensor):
        return [out]
    flat = []
    for o in out:
        flat.extend(flatten_outputs(o))
    return flat


def cotangents(outs):
    return [torch.randn(o.shape) if o.is_floating_point() else None for o in outs]


def backprop(outs, cots, leaves):
    """Gradients of sum(out * cot) over the float outputs; a leaf the outputs do not reach gets zeros."""
    terms = [(o * c).sum() for o, c in zip(outs, cots) if c is not None and o.requires_grad]
    if not terms:
        return [None] * len(leaves)
    grads = torch.autograd.grad(sum(terms), leaves, allow_unused=True)
    return [torch.zeros_like(l) if g is None else g for g, l in zip(grads, leaves)]


CASES = {'ops': [], 'layers': []}


def op(name, kind, fn, inputs, args=None, nograd=()):
    """An op case: `fn(inputs, args)` on torch tensors; gradients for every float input not in `nograd`."""
    args = args or {}
    float_names = [k for k, v in inputs.items() if v.is_floating_point() and k not in nograd]
    leaves = {k: v.clone().requires_grad_(k in float_names) for k, v in inputs.items()}
    outs = flatten_outputs(fn(leaves, args))
    cots = cotangents(outs)
    grads = backprop(outs, cots, [leaves[k] for k in float_names])
    CASES['ops'].append({
        'name': name, 'kind': kind, 'args': args,
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'outputs': [enc(o) for o in outs],
        'cots': [None if c is None else enc(c) for c in cots],
        'grads': {k: None if g is None else enc(g) for k, g in zip(float_names, grads)},
    })


def layer(name, kind, module, inputs, args=None, call=None, train=True, grad_inputs=None):
    """A layer case: random parameters (normal * 0.5, so zero-initialized biases matter too), the state dict
    before, the outputs of `call(module, inputs)`, the state dict after (running stats), and the gradients of
    the float inputs and of every parameter by state-dict key."""
    args = args or {}
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape) * 0.5)
    module.train(train)
    before = {k: enc(v) for k, v in module.state_dict().items()}
    names = grad_inputs if grad_inputs is not None else [k for k, v in inputs.items() if v.is_floating_point()]
    leaves = {k: v.clone().requires_grad_(k in names) for k, v in inputs.items()}
    outs = flatten_outputs(call(module, leaves) if call else module(leaves['x']))
    cots = cotangents(outs)
    params = list(module.named_parameters())
    grads = backprop(outs, cots, [leaves[k] for k in names] + [p for _, p in params])
    CASES['layers'].append({
        'name': name, 'kind': kind, 'args': args, 'train': train,
        'state': before,
        'stateAfter': {k: enc(v) for k, v in module.state_dict().items()},
        'inputs': {k: enc(v) for k, v in inputs.items()},
        'outputs': [enc(o) for o in outs],
        'cots': [None if c is None else enc(c) for c in cots],
        'grads': {k: enc(g) for k, g in zip(names, grads[:len(names)])},
        'paramGrads': {k: enc(g) for (k, _), g in zip(params, grads[len(names):])},
    })


def bad(name, kind, fn, inputs, args=None):
    """An input PyTorch refuses: the case records its message, and cp must raise a CpError too."""
    args = args or {}
    try:
        fn(inputs, args)
    except (RuntimeError, ValueError, IndexError, TypeError) as e:
        CASES['ops'].append({'name': name, 'kind': kind, 'args': args, 'inputs': {k: enc(v) for k, v in inputs.items()},
                             'error': str(e).split('\n')[0]})
        return
    raise AssertionError(f'{name}: PyTorch accepted it')


def size(v):
    return tuple(v) if isinstance(v, list) else v


def conv_kw(a):
    kw = {}
    for key, tk in (('stride', 'stride'), ('padding', 'padding'), ('dilation', 'dilation'), ('groups', 'groups'),
                    ('outputPadding', 'output_padding')):
        if key in a:
            kw[tk] = size(a[key])
    return kw


def pool_kw(a):
    kw = {}
    for key, tk in (('stride', 'stride'), ('padding', 'padding'), ('dilation', 'dilation'), ('ceilMode', 'ceil_mode'),
                    ('countIncludePad', 'count_include_pad'), ('returnIndices', 'return_indices')):
        if key in a:
            kw[tk] = size(a[key])
    return kw


def r(*shape):
    return torch.randn(*shape)


def sdpa_reference(q, k, v, mask=None, causal=False, scale=None):
    """PyTorch 1.13 has no F.scaled_dot_product_attention (it came in 2.0): the 2.0 definition in plain ops,
    a bool mask being True where attention is allowed."""
    s = q @ k.transpose(-2, -1) * (scale if scale is not None else 1 / math.sqrt(q.shape[-1]))
    if causal:
        allowed = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
        s = s.masked_fill(~allowed, float('-inf'))
    if mask is not None:
        s = s.masked_fill(~mask, float('-inf')) if mask.dtype == torch.bool else s + mask
    return torch.softmax(s, -1) @ v


def build_ops():
    conv2d = lambda i, a: F.conv2d(i['x'], i['w'], i.get('b'), **conv_kw(a))
    op('conv1d/stride2-pad1-dil2', 'conv1d', lambda i, a: F.conv1d(i['x'], i['w'], i['b'], **conv_kw(a)),
       {'x': r(2, 4, 11), 'w': r(6, 4, 3), 'b': r(6)}, {'stride': 2, 'padding': 1, 'dilation': 2})
    op('conv1d/same-groups2', 'conv1d', lambda i, a: F.conv1d(i['x'], i['w'], i['b'], **conv_kw(a)),
       {'x': r(2, 4, 9), 'w': r(6, 2, 4), 'b': r(6)}, {'padding': 'same', 'groups': 2})
    op('conv2d/plain', 'conv2d', conv2d, {'x': r(2, 3, 7, 6), 'w': r(5, 3, 3, 3), 'b': r(5)})
    op('conv2d/stride-pad-asym', 'conv2d', conv2d, {'x': r(2, 3, 9, 8), 'w': r(4, 3, 3, 2), 'b': r(4)},
       {'stride': [2, 1], 'padding': [1, 2]})
    op('conv2d/same-dilation', 'conv2d', conv2d, {'x': r(1, 2, 8, 7), 'w': r(3, 2, 3, 4)},
       {'padding': 'same', 'dilation': [2, 1]})
    op('conv2d/groups-depthwise', 'conv2d', conv2d, {'x': r(2, 4, 6, 6), 'w': r(8, 1, 3, 3), 'b': r(8)},
       {'groups': 4, 'padding': 1})
    op('conv2d/valid-groups2-stride2', 'conv2d', conv2d, {'x': r(1, 4, 9, 9), 'w': r(6, 2, 3, 3), 'b': r(6)},
       {'padding': 'valid', 'groups': 2, 'stride': 2})
    op('conv2d/realistic', 'conv2d', conv2d, {'x': r(4, 8, 16, 16), 'w': r(16, 8, 3, 3), 'b': r(16)},
       {'padding': 1})
    convt = lambda i, a: F.conv_transpose2d(i['x'], i['w'], i.get('b'), **conv_kw(a))
    op('convTranspose2d/stride2-outpad1', 'convTranspose2d', convt,
       {'x': r(2, 3, 4, 5), 'w': r(3, 4, 3, 3), 'b': r(4)}, {'stride': 2, 'padding': 1, 'outputPadding': 1})
    op('convTranspose2d/groups2-dilation', 'convTranspose2d', convt,
       {'x': r(1, 4, 5, 4), 'w': r(4, 3, 2, 3), 'b': r(6)}, {'groups': 2, 'dilation': [2, 1], 'stride': [1, 2]})
    op('convTranspose2d/asym-outpad', 'convTranspose2d', convt, {'x': r(2, 2, 3, 3), 'w': r(2, 3, 3, 2)},
       {'stride': [3, 2], 'padding': [1, 0], 'outputPadding': [2, 1]})
    mp2 = lambda i, a: F.max_pool2d(i['x'], size(a['kernelSize']), **pool_kw(a))
    mp1 = lambda i, a: F.max_pool1d(i['x'], size(a['kernelSize']), **pool_kw(a))
    op('maxPool2d/k2', 'maxPool2d', mp2, {'x': r(2, 3, 6, 6)}, {'kernelSize': 2})
    op('maxPool2d/k3-s2-p1-ceil', 'maxPool2d', mp2, {'x': r(2, 2, 7, 8)},
       {'kernelSize': 3, 'stride': 2, 'padding': 1, 'ceilMode': True, 'returnIndices': True})
    op('maxPool2d/dilation2-indices', 'maxPool2d', mp2, {'x': r(1, 2, 9, 9)},
       {'kernelSize': [2, 3], 'dilation': 2, 'stride': [1, 2], 'returnIndices': True})
    op('maxPool1d/k3-s2-ceil', 'maxPool1d', mp1, {'x': r(2, 3, 10)},
       {'kernelSize': 3, 'stride': 2, 'ceilMode': True, 'returnIndices': True})
    op('maxPool1d/dilation-pad', 'maxPool1d', mp1, {'x': r(2, 2, 12)},
       {'kernelSize': 2, 'dilation': 3, 'padding': 1})
    ap2 = lambda i, a: F.avg_pool2d(i['x'], size(a['kernelSize']), **pool_kw(a))
    ap1 = lambda i, a: F.avg_pool1d(i['x'], size(a['kernelSize']), **pool_kw(a))
    op('avgPool2d/k2', 'avgPool2d', ap2, {'x': r(2, 3, 6, 6)}, {'kernelSize': 2})
    op('avgPool2d/pad-include', 'avgPool2d', ap2, {'x': r(2, 2, 7, 7)},
       {'kernelSize': 3, 'stride': 2, 'padding': 1, 'countIncludePad': True})
    op('avgPool2d/pad-exclude-ceil', 'avgPool2d', ap2, {'x': r(2, 2, 7, 8)},
       {'kernelSize': 3, 'stride': 2, 'padding': 1, 'countIncludePad': False, 'ceilMode': True})
    op('avgPool1d/ceil-include', 'avgPool1d', ap1, {'x': r(2, 3, 10)},
       {'kernelSize': 3, 'stride': 2, 'padding': 1, 'ceilMode': True, 'countIncludePad': True})
    op('avgPool1d/exclude', 'avgPool1d', ap1, {'x': r(1, 2, 9)},
       {'kernelSize': 4, 'stride': 3, 'padding': 2, 'countIncludePad': False})
    aap = lambda i, a: F.adaptive_avg_pool2d(i['x'], size(a['outputSize']))
    op('adaptiveAvgPool2d/uneven', 'adaptiveAvgPool2d', aap, {'x': r(2, 3, 7, 5)}, {'outputSize': [3, 2]})
    op('adaptiveAvgPool2d/global', 'adaptiveAvgPool2d', aap, {'x': r(2, 4, 6, 6)}, {'outputSize': 1})
    op('adaptiveAvgPool2d/upsample', 'adaptiveAvgPool2d', aap, {'x': r(1, 2, 3, 4)}, {'outputSize': [5, 6]})
    op('adaptiveAvgPool2d/none-keeps', 'adaptiveAvgPool2d', aap, {'x': r(1, 2, 5, 4)}, {'outputSize': [None, 3]})
    uf_kw = lambda a: {k: size(a[k]) for k in ('dilation', 'padding', 'stride') if k in a}
    op('unfold/stride-pad-dil', 'unfold', lambda i, a: F.unfold(i['x'], size(a['kernelSize']), **uf_kw(a)),
       {'x': r(2, 3, 7, 6)}, {'kernelSize': [2, 3], 'stride': [2, 1], 'padding': 1, 'dilation': [1, 2]})
    op('fold/overlapping', 'fold',
       lambda i, a: F.fold(i['x'], size(a['outputSize']), size(a['kernelSize']), **uf_kw(a)),
       {'x': r(2, 12, 16)}, {'outputSize': [5, 6], 'kernelSize': 2, 'stride': [1, 2], 'padding': [0, 1]})
    pad = lambda i, a: F.pad(i['x'], a['pads'], mode=a['mode'], **({'value': a['value']} if 'value' in a else {}))
    op('pad/constant-2d', 'pad', pad, {'x': r(2, 3, 4, 5)}, {'pads': [1, 2, 0, 3], 'mode': 'constant', 'value': 0.5})
    op('pad/constant-negative', 'pad', pad, {'x': r(2, 3, 6)}, {'pads': [-1, 2], 'mode': 'constant'})
    op('pad/reflect-1d', 'pad', pad, {'x': r(2, 3, 6)}, {'pads': [3, 2], 'mode': 'reflect'})
    op('pad/reflect-2d', 'pad', pad, {'x': r(1, 2, 4, 5)}, {'pads': [2, 1, 3, 1], 'mode': 'reflect'})
    op('pad/replicate-1d', 'pad', pad, {'x': r(2, 2, 4)}, {'pads': [4, 1], 'mode': 'replicate'})
    op('pad/replicate-2d', 'pad', pad, {'x': r(2, 2, 3, 4)}, {'pads': [1, 3, 2, 2], 'mode': 'replicate'})
    bn = lambda i, a: (F.batch_norm(i['x'], i['rm'], i['rv'], i['w'], i['b'], training=a['training'],
                                    momentum=a['momentum'], eps=a['eps']), i['rm'], i['rv'])
    # NOTE: the running stats are inputs that the op updates in place: the outputs are y and the stats after.
    op('batchNorm/train-2d', 'batchNorm', bn,
       {'x': r(4, 3, 5, 5), 'rm': r(3), 'rv': torch.rand(3) + 0.5, 'w': r(3), 'b': r(3)},
       {'training': True, 'momentum': 0.2, 'eps': 1e-5}, nograd=('rm', 'rv'))
    op('batchNorm/eval-1d', 'batchNorm', bn,
       {'x': r(6, 4), 'rm': r(4), 'rv': torch.rand(4) + 0.5, 'w': r(4), 'b': r(4)},
       {'training': False, 'momentum': 0.1, 'eps': 1e-3}, nograd=('rm', 'rv'))
    gn = lambda i, a: F.group_norm(i['x'], a['numGroups'], i['w'], i['b'], eps=a['eps'])
    op('groupNorm/4d', 'groupNorm', gn, {'x': r(2, 6, 4, 3), 'w': r(6), 'b': r(6)}, {'numGroups': 3, 'eps': 1e-5})
    op('groupNorm/3d-one-group', 'groupNorm', gn, {'x': r(3, 4, 7), 'w': r(4), 'b': r(4)}, {'numGroups': 1, 'eps': 1e-4})
    ln = lambda i, a: F.layer_norm(i['x'], a['normalizedShape'], i['w'], i['b'], eps=a['eps'])
    op('layerNorm/last2', 'layerNorm', ln, {'x': r(3, 4, 5), 'w': r(4, 5), 'b': r(4, 5)},
       {'normalizedShape': [4, 5], 'eps': 1e-5})
    d2 = lambda i, a: F.dropout2d(i['x'], a['p'], training=a['training'])
    op('dropout2d/p0-train', 'dropout2d', d2, {'x': r(2, 3, 4, 4)}, {'p': 0.0, 'training': True})
    op('dropout2d/eval', 'dropout2d', d2, {'x': r(2, 3, 4, 4)}, {'p': 0.7, 'training': False})
    sd = lambda i, a: sdpa_reference(i['q'], i['k'], i['v'], i.get('mask'), a.get('isCausal', False), a.get('scale'))
    op('sdpa/plain', 'sdpa', sd, {'q': r(2, 3, 5, 4), 'k': r(2, 3, 6, 4), 'v': r(2, 3, 6, 7)})
    op('sdpa/causal-scale', 'sdpa', sd, {'q': r(2, 5, 4), 'k': r(2, 5, 4), 'v': r(2, 5, 3)},
       {'isCausal': True, 'scale': 0.3})
    bmask = torch.rand(5, 6) > 0.3
    bmask[:, 0] = True
    op('sdpa/bool-mask', 'sdpa', sd, {'q': r(2, 5, 4), 'k': r(2, 6, 4), 'v': r(2, 6, 4), 'mask': bmask})
    op('sdpa/float-mask', 'sdpa', sd, {'q': r(2, 2, 5, 4), 'k': r(2, 2, 6, 4), 'v': r(2, 2, 6, 4), 'mask': r(1, 5, 6)})
    op('topk/largest', 'topk', lambda i, a: torch.topk(i['x'], a['k'], dim=a['dim']), {'x': r(3, 7)},
       {'k': 3, 'dim': 1})
    op('topk/smallest-dim0', 'topk', lambda i, a: torch.topk(i['x'], a['k'], dim=a['dim'], largest=False),
       {'x': r(6, 4, 2)}, {'k': 2, 'dim': 0, 'largest': False})
    op('sort/ascending', 'sort', lambda i, a: torch.sort(i['x'], dim=a['dim']), {'x': r(4, 6)}, {'dim': -1})
    op('sort/descending-dim1', 'sort', lambda i, a: torch.sort(i['x'], dim=a['dim'], descending=True),
       {'x': r(2, 5, 3)}, {'dim': 1, 'descending': True})
    op('argsort/descending', 'argsort', lambda i, a: torch.argsort(i['x'], dim=a['dim'], descending=True),
       {'x': r(3, 8)}, {'dim': 1, 'descending': True})
    op('cumsum/dim1', 'cumsum', lambda i, a: torch.cumsum(i['x'], a['dim']), {'x': r(3, 6, 2)}, {'dim': 1})
    op('cumsum/dim-neg', 'cumsum', lambda i, a: torch.cumsum(i['x'], a['dim']), {'x': r(4, 5)}, {'dim': -1})
    op('cumprod/dim0', 'cumprod', lambda i, a: torch.cumprod(i['x'], a['dim']), {'x': r(5, 3)}, {'dim': 0})
    xz = r(3, 6)
    xz[1, 2] = 0.0
    op('cumprod/with-zero', 'cumprod', lambda i, a: torch.cumprod(i['x'], a['dim']), {'x': xz}, {'dim': 1})
    perm_index = torch.stack([torch.randperm(5)[:4] for _ in range(3)])
    op('scatter/tensor-src', 'scatter', lambda i, a: torch.scatter(i['x'], a['dim'], i['index'], i['src']),
       {'x': r(3, 5), 'index': perm_index, 'src': r(3, 4)}, {'dim': 1})
    op('scatter/scalar', 'scatterScalar', lambda i, a: torch.scatter(i['x'], a['dim'], i['index'], a['value']),
       {'x': r(4, 3), 'index': torch.tensor([[0, 1, 2], [3, 0, 1]])}, {'dim': 0, 'value': -2.5})
    op('scatterAdd/repeats', 'scatterAdd', lambda i, a: torch.scatter_add(i['x'], a['dim'], i['index'], i['src']),
       {'x': r(3, 4), 'index': torch.randint(0, 4, (3, 6)), 'src': r(3, 6)}, {'dim': 1})
    op('scatterAdd/dim0', 'scatterAdd', lambda i, a: torch.scatter_add(i['x'], a['dim'], i['index'], i['src']),
       {'x': r(4, 3), 'index': torch.randint(0, 4, (5, 3)), 'src': r(5, 3)}, {'dim': 0})
    op('indexAdd/alpha', 'indexAdd',
       lambda i, a: torch.index_add(i['x'], a['dim'], i['index'], i['source'], alpha=a['alpha']),
       {'x': r(3, 5), 'index': torch.tensor([4, 0, 4, 2]), 'source': r(3, 4)}, {'dim': 1, 'alpha': 0.5})
    op('indexPut/int', 'indexPut', lambda i, a: torch.index_put(i['x'], (i['i0'], i['i1']), i['v']),
       {'x': r(4, 5), 'i0': torch.tensor([0, 2, 3]), 'i1': torch.tensor([4, 1, 1]), 'v': r(3)})
    op('indexPut/accumulate', 'indexPut', lambda i, a: torch.index_put(i['x'], (i['i0'],), i['v'], accumulate=True),
       {'x': r(4, 3), 'i0': torch.tensor([1, 3, 1]), 'v': r(3, 3)}, {'accumulate': True})
    op('indexPut/bool', 'indexPutBool', lambda i, a: torch.index_put(i['x'], (i['m'],), i['v']),
       {'x': r(3, 4), 'm': torch.tensor([[1, 0, 0, 1], [0, 1, 0, 0], [1, 1, 0, 0]], dtype=torch.bool), 'v': r(5)})
    op('maskedScatter/broadcast', 'maskedScatter', lambda i, a: torch.masked_scatter(i['x'], i['m'], i['src']),
       {'x': r(3, 4), 'm': torch.tensor([True, False, True, True]), 'src': r(12)})
    op('maskedFill/scalar', 'maskedFill', lambda i, a: torch.masked_fill(i['x'], i['m'], a['value']),
       {'x': r(2, 3, 4), 'm': torch.rand(3, 4) > 0.5}, {'value': -1.5})
    op('maskedFill/tensor', 'maskedFillTensor', lambda i, a: torch.masked_fill(i['x'], i['m'], i['value']),
       {'x': r(3, 4), 'm': torch.rand(3, 4) > 0.5, 'value': r(())})
    op('repeat/3d', 'repeat', lambda i, a: i['x'].repeat(*a['reps']), {'x': r(2, 3)}, {'reps': [2, 1, 3]})
    op('tile/short-reps', 'tile', lambda i, a: torch.tile(i['x'], a['reps']), {'x': r(2, 3, 2)}, {'reps': [2, 2]})
    op('flip/two-dims', 'flip', lambda i, a: torch.flip(i['x'], a['dims']), {'x': r(2, 3, 4)}, {'dims': [0, 2]})
    op('roll/dims', 'roll', lambda i, a: torch.roll(i['x'], a['shifts'], a['dims']), {'x': r(3, 4, 5)},
       {'shifts': [1, -7], 'dims': [0, 2]})
    op('roll/flat', 'roll', lambda i, a: torch.roll(i['x'], a['shifts']), {'x': r(3, 4)}, {'shifts': 5})
    op('triu/k1', 'triu', lambda i, a: torch.triu(i['x'], a['diagonal']), {'x': r(2, 4, 5)}, {'diagonal': 1})
    op('tril/k-neg', 'tril', lambda i, a: torch.tril(i['x'], a['diagonal']), {'x': r(5, 4)}, {'diagonal': -1})
    es = lambda i, a: torch.einsum(a['equation'], *[i[k] for k in sorted(i)])
    op('einsum/matmul', 'einsum', es, {'a': r(3, 4), 'b': r(4, 5)}, {'equation': 'ij,jk->ik'})
    op('einsum/batch-bilinear', 'einsum', es, {'a': r(2, 3, 4), 'b': r(2, 4, 5)}, {'equation': 'bij,bjk->bik'})
    op('einsum/trace-diag', 'einsum', es, {'a': r(4, 4, 3)}, {'equation': 'iij->j'})
    op('einsum/outer-sum', 'einsum', es, {'a': r(3), 'b': r(4)}, {'equation': 'i,j->ij'})
    op('einsum/ellipsis-transpose', 'einsum', es, {'a': r(2, 3, 4, 5)}, {'equation': '...ij->...ji'})
    op('einsum/three-operands', 'einsum', es, {'a': r(2, 3), 'b': r(3, 4), 'c': r(4, 2)}, {'equation': 'ij,jk,kl->il'})
    op('einsum/implicit', 'einsum', es, {'a': r(3, 4), 'b': r(4, 3)}, {'equation': 'ij,jk'})
    # Edge cases: ties, windows that start in the padding with ceilMode, reflect by size - 1, int tensors.
    ties = torch.randint(-2, 3, (2, 2, 6, 6)).float()
    op('maxPool2d/ties-overlapping', 'maxPool2d', mp2, {'x': ties},
       {'kernelSize': 3, 'stride': 1, 'padding': 1, 'returnIndices': True})
    op('maxPool1d/ceil-last-window-in-padding', 'maxPool1d', mp1, {'x': r(2, 2, 5)},
       {'kernelSize': 2, 'stride': 2, 'padding': 1, 'ceilMode': True, 'returnIndices': True})
    op('avgPool1d/ceil-last-window-in-padding', 'avgPool1d', ap1, {'x': r(2, 2, 5)},
       {'kernelSize': 2, 'stride': 2, 'padding': 1, 'ceilMode': True})
    op('avgPool2d/ceil-exclude-stride3', 'avgPool2d', ap2, {'x': r(1, 2, 7, 5)},
       {'kernelSize': [3, 2], 'stride': 3, 'padding': 1, 'ceilMode': True, 'countIncludePad': False})
    op('pad/reflect-max', 'pad', pad, {'x': r(1, 2, 3, 4)}, {'pads': [3, 3, 2, 2], 'mode': 'reflect'})
    op('sort/stable-ties', 'sort', lambda i, a: torch.sort(i['x'], dim=a['dim'], descending=a['descending'],
                                                           stable=True),
       {'x': torch.randint(0, 3, (3, 9)).float()}, {'dim': 1, 'descending': True, 'stable': True})
    op('argsort/stable-ties-dim0', 'argsort', lambda i, a: torch.argsort(i['x'], dim=a['dim'], stable=True),
       {'x': torch.randint(0, 2, (7, 3)).float()}, {'dim': 0, 'stable': True})
    op('cumprod/two-zeros', 'cumprod', lambda i, a: torch.cumprod(i['x'], a['dim']),
       {'x': torch.tensor([[1.5, 0.0, 2.0, 0.0, -1.0], [0.0, 3.0, 0.5, 2.0, 1.0]])}, {'dim': 1})
    op('cumsum/int', 'cumsum', lambda i, a: torch.cumsum(i['x'], a['dim']).int(), {'x': torch.randint(-5, 5, (3, 4))},
       {'dim': 1})
    op('topk/int', 'topk', lambda i, a: torch.topk(i['x'], a['k'], dim=a['dim']), {'x': torch.randperm(12).reshape(3, 4)},
       {'k': 2, 'dim': 1})
    op('flip/int', 'flip', lambda i, a: torch.flip(i['x'], a['dims']), {'x': torch.randint(0, 9, (2, 3))}, {'dims': [1]})
    op('roll/bool', 'roll', lambda i, a: torch.roll(i['x'], a['shifts'], a['dims']), {'x': torch.rand(3, 4) > 0.5},
       {'shifts': [-1], 'dims': [1]})
    op('repeat/bool', 'repeat', lambda i, a: i['x'].repeat(*a['reps']), {'x': torch.rand(2, 2) > 0.5}, {'reps': [1, 3]})
    op('triu/int', 'triu', lambda i, a: torch.triu(i['x'], a['diagonal']), {'x': torch.randint(1, 9, (4, 4))},
       {'diagonal': 0})
    op('scatterAdd/int', 'scatterAdd', lambda i, a: torch.scatter_add(i['x'], a['dim'], i['index'], i['src']),
       {'x': torch.randint(0, 5, (2, 4)), 'index': torch.randint(0, 4, (2, 5)), 'src': torch.randint(-3, 3, (2, 5))},
       {'dim': 1})
    op('maskedFill/int', 'maskedFill', lambda i, a: torch.masked_fill(i['x'], i['m'], a['value']),
       {'x': torch.randint(0, 5, (3, 3)), 'm': torch.eye(3, dtype=torch.bool)}, {'value': 7})
    op('einsum/bilinear-transposed', 'einsum', es, {'a': r(2, 3, 4), 'b': r(2, 5, 4)}, {'equation': 'bij,bkj->bik'})
    op('einsum/sum-all', 'einsum', es, {'a': r(3, 4)}, {'equation': 'ij->'})
    op('einsum/broadcast-ellipsis', 'einsum', es, {'a': r(2, 1, 3, 4), 'b': r(5, 4, 2)}, {'equation': '...ij,...jk->...ik'})
    # Inputs PyTorch refuses (cp must raise a CpError naming the op).
    bad('conv2d/channel-mismatch', 'conv2d', conv2d, {'x': r(1, 3, 5, 5), 'w': r(2, 4, 3, 3)})
    bad('conv2d/same-with-stride', 'conv2d', conv2d, {'x': r(1, 2, 5, 5), 'w': r(2, 2, 3, 3)},
        {'padding': 'same', 'stride': 2})
    bad('conv2d/kernel-larger-than-input', 'conv2d', conv2d, {'x': r(1, 1, 2, 2), 'w': r(1, 1, 3, 3)})
    bad('conv1d/groups-not-dividing', 'conv1d', lambda i, a: F.conv1d(i['x'], i['w'], None, **conv_kw(a)),
        {'x': r(1, 3, 6), 'w': r(4, 1, 3)}, {'groups': 3})
    bad('convTranspose2d/outpad-not-below-stride', 'convTranspose2d', convt, {'x': r(1, 2, 3, 3), 'w': r(2, 2, 3, 3)},
        {'stride': 2, 'outputPadding': 2})
    bad('maxPool2d/pad-over-half-kernel', 'maxPool2d', mp2, {'x': r(1, 1, 6, 6)}, {'kernelSize': 2, 'padding': 2})
    bad('avgPool1d/pad-over-half-kernel', 'avgPool1d', ap1, {'x': r(1, 1, 6)}, {'kernelSize': 3, 'padding': 2})
    bad('maxPool2d/output-empty', 'maxPool2d', mp2, {'x': r(1, 1, 2, 4)}, {'kernelSize': 3})
    bad('avgPool1d/output-empty', 'avgPool1d', ap1, {'x': r(1, 1, 2)}, {'kernelSize': 3})
    bad('pad/reflect-too-wide', 'pad', pad, {'x': r(1, 2, 4)}, {'pads': [4, 0], 'mode': 'reflect'})
    bad('batchNorm/wrong-channels', 'batchNorm', bn, {'x': r(2, 3, 4), 'rm': r(4), 'rv': torch.rand(4), 'w': r(4),
                                                      'b': r(4)}, {'training': False, 'momentum': 0.1, 'eps': 1e-5})
    bad('groupNorm/groups-not-dividing', 'groupNorm', gn, {'x': r(2, 6, 3), 'w': r(6), 'b': r(6)},
        {'numGroups': 4, 'eps': 1e-5})
    bad('topk/k-too-large', 'topk', lambda i, a: torch.topk(i['x'], a['k'], dim=a['dim']), {'x': r(2, 3)},
        {'k': 4, 'dim': 1})
    bad('scatter/index-out-of-range', 'scatter', lambda i, a: torch.scatter(i['x'], a['dim'], i['index'], i['src']),
        {'x': r(2, 3), 'index': torch.tensor([[0, 3]]), 'src': r(2, 3)}, {'dim': 1})
    bad('indexAdd/source-shape', 'indexAdd',
        lambda i, a: torch.index_add(i['x'], a['dim'], i['index'], i['source'], alpha=a['alpha']),
        {'x': r(3, 5), 'index': torch.tensor([0, 1]), 'source': r(3, 3)}, {'dim': 1, 'alpha': 1})
    bad('maskedScatter/source-too-small', 'maskedScatter', lambda i, a: torch.masked_scatter(i['x'], i['m'], i['src']),
        {'x': r(2, 3), 'm': torch.ones(2, 3, dtype=torch.bool), 'src': r(4)})
    bad('repeat/fewer-reps-than-dims', 'repeat', lambda i, a: i['x'].repeat(*a['reps']), {'x': r(2, 3)}, {'reps': [2]})
    bad('einsum/operand-count', 'einsum', es, {'a': r(2, 3)}, {'equation': 'ij,jk->ik'})
    bad('einsum/size-mismatch', 'einsum', es, {'a': r(2, 3), 'b': r(4, 5)}, {'equation': 'ij,jk->ik'})
    bad('oneHot/index-beyond-classes', 'oneHot', lambda i, a: F.one_hot(i['x'], a['numClasses']),
        {'x': torch.tensor([0, 3])}, {'numClasses': 3})
    bad('roll/shifts-dims-mismatch', 'roll', lambda i, a: torch.roll(i['x'], a['shifts'], a['dims']), {'x': r(2, 3)},
        {'shifts': [1, 2], 'dims': [0]})
    op('oneHot/inferred', 'oneHot', lambda i, a: F.one_hot(i['x']), {'x': torch.tensor([[0, 3], [2, 1]])})
    op('oneHot/classes', 'oneHot', lambda i, a: F.one_hot(i['x'], a['numClasses']), {'x': torch.tensor([1, 0, 4])},
       {'numClasses': 6})


def build_layers():
    layer('Conv2d/reflect-groups', 'Conv2d',
          nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, padding_mode='reflect'), {'x': r(2, 4, 7, 6)},
          {'in': 4, 'out': 6, 'k': 3, 'o': {'stride': 2, 'padding': 1, 'groups': 2, 'paddingMode': 'reflect'}})
    layer('Conv1d/same', 'Conv1d', nn.Conv1d(3, 5, 4, padding='same', dilation=2), {'x': r(2, 3, 9)},
          {'in': 3, 'out': 5, 'k': 4, 'o': {'padding': 'same', 'dilation': 2}})
    layer('ConvTranspose2d/outpad', 'ConvTranspose2d',
          nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), {'x': r(2, 4, 3, 4)},
          {'in': 4, 'out': 6, 'k': 3, 'o': {'stride': 2, 'padding': 1, 'outputPadding': 1, 'groups': 2}})
    layer('BatchNorm2d/train', 'BatchNorm2d', nn.BatchNorm2d(3, momentum=0.3), {'x': r(4, 3, 3, 3)},
          {'n': 3, 'o': {'momentum': 0.3}})
    layer('BatchNorm2d/cumulative-train', 'BatchNorm2d', nn.BatchNorm2d(3, momentum=None), {'x': r(4, 3, 2, 2)},
          {'n': 3, 'o': {'momentum': None}})
    bn_eval = nn.BatchNorm1d(4)
    with torch.no_grad():
        bn_eval.running_mean.copy_(r(4))
        bn_eval.running_var.copy_(torch.rand(4) + 0.5)
        bn_eval.num_batches_tracked.fill_(7)
    layer('BatchNorm1d/eval', 'BatchNorm1d', bn_eval, {'x': r(5, 4, 3)}, {'n': 4, 'o': {}}, train=False)
    layer('BatchNorm1d/no-affine-no-stats', 'BatchNorm1d', nn.BatchNorm1d(3, affine=False, track_running_stats=False),
          {'x': r(6, 3)}, {'n': 3, 'o': {'affine': False, 'trackRunningStats': False}})
    layer('BatchNorm1d/eval-after-train-3d', 'BatchNorm1d', nn.BatchNorm1d(2, eps=1e-3), {'x': r(4, 2, 5)},
          {'n': 2, 'o': {'eps': 1e-3}}, train=False)
    layer('Conv2d/replicate-nobias', 'Conv2d', nn.Conv2d(2, 3, (2, 3), padding=(1, 2), bias=False,
                                                         padding_mode='replicate'), {'x': r(1, 2, 4, 5)},
          {'in': 2, 'out': 3, 'k': [2, 3], 'o': {'padding': [1, 2], 'bias': False, 'paddingMode': 'replicate'}})
    layer('BatchNorm2d/three-steps-cumulative', 'BatchNorm2dSteps', nn.BatchNorm2d(2, momentum=None),
          {'x': r(3, 4, 2, 3, 3)}, {'n': 2, 'o': {'momentum': None}}, call=lambda m, i: [m(x) for x in i['x']])
    layer('GroupNorm/affine', 'GroupNorm', nn.GroupNorm(2, 6, eps=1e-4), {'x': r(2, 6, 3, 2)},
          {'groups': 2, 'channels': 6, 'o': {'eps': 1e-4}})
    layer('LayerNorm/2d', 'LayerNorm', nn.LayerNorm([3, 4]), {'x': r(2, 3, 4)}, {'shape': [3, 4], 'o': {}})
    layer('MaxPool2d/layer', 'MaxPool2d', nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), {'x': r(1, 2, 6, 7)},
          {'k': 3, 'o': {'stride': 2, 'padding': 1, 'ceilMode': True}})
    layer('AvgPool2d/layer', 'AvgPool2d', nn.AvgPool2d(2, padding=1, count_include_pad=False), {'x': r(1, 2, 5, 5)},
          {'k': 2, 'o': {'padding': 1, 'countIncludePad': False}})
    layer('AdaptiveAvgPool2d/layer', 'AdaptiveAvgPool2d', nn.AdaptiveAvgPool2d((2, 3)), {'x': r(2, 2, 5, 7)},
          {'size': [2, 3]})
    rnn_call = lambda m, i: m(i['x'], i.get('h0'))
    lstm_call = lambda m, i: m(i['x'], (i['h0'], i['c0']) if 'h0' in i else None)
    layer('RNN/relu-2layers-bidir', 'RNN', nn.RNN(3, 4, num_layers=2, nonlinearity='relu', bidirectional=True),
          {'x': r(5, 2, 3), 'h0': r(4, 2, 4)}, {'in': 3, 'hidden': 4,
          'o': {'numLayers': 2, 'nonlinearity': 'relu', 'bidirectional': True}}, call=rnn_call)
    layer('RNN/tanh-batchfirst-nostate', 'RNN', nn.RNN(3, 5, batch_first=True), {'x': r(2, 4, 3)},
          {'in': 3, 'hidden': 5, 'o': {'batchFirst': True}}, call=rnn_call)
    layer('LSTM/2layers-bidir-batchfirst', 'LSTM', nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True),
          {'x': r(2, 5, 3), 'h0': r(4, 2, 4), 'c0': r(4, 2, 4)},
          {'in': 3, 'hidden': 4, 'o': {'numLayers': 2, 'bidirectional': True, 'batchFirst': True}}, call=lstm_call)
    layer('LSTM/realistic-rows', 'LSTM', nn.LSTM(28, 32, batch_first=True), {'x': r(4, 14, 28)},
          {'in': 28, 'hidden': 32, 'o': {'batchFirst': True}}, call=lstm_call)
    layer('LSTM/nobias-nostate', 'LSTM', nn.LSTM(4, 3, bias=False), {'x': r(6, 3, 4)},
          {'in': 4, 'hidden': 3, 'o': {'bias': False}}, call=lstm_call)
    layer('GRU/2layers-bidir', 'GRU', nn.GRU(3, 4, num_layers=2, bidirectional=True),
          {'x': r(5, 2, 3), 'h0': r(4, 2, 4)},
          {'in': 3, 'hidden': 4, 'o': {'numLayers': 2, 'bidirectional': True}}, call=rnn_call)
    layer('GRU/batchfirst-state', 'GRU', nn.GRU(2, 3, batch_first=True), {'x': r(3, 4, 2), 'h0': r(1, 3, 3)},
          {'in': 2, 'hidden': 3, 'o': {'batchFirst': True}}, call=rnn_call)
    layer('GRU/unbatched-2layers', 'GRU', nn.GRU(2, 3, num_layers=2), {'x': r(4, 2), 'h0': r(2, 3)},
          {'in': 2, 'hidden': 3, 'o': {'numLayers': 2}}, call=rnn_call)
    layer('LSTM/unbatched-bidir', 'LSTM', nn.LSTM(2, 3, bidirectional=True), {'x': r(4, 2), 'h0': r(2, 3), 'c0': r(2, 3)},
          {'in': 2, 'hidden': 3, 'o': {'bidirectional': True}}, call=lstm_call)

    def causal(n):
        # NOTE: PyTorch 1.13's MultiheadAttention and TransformerEncoderLayer have no is_causal (2.0 added it):
        # the reference gets the causal bool mask (True = forbidden) and cp gets isCausal.
        return torch.ones(n, n, dtype=torch.bool).triu(1)

    def mha_call(m, i):
        kw = {'need_weights': True}
        if 'causal' in i:
            kw['attn_mask'] = causal(i['q'].shape[0])
            kw['average_attn_weights'] = False
        if 'kpm' in i:
            kw['key_padding_mask'] = i['kpm']
        if 'mask' in i:
            kw['attn_mask'] = i['mask']
        if 'noweights' in i:
            kw['need_weights'] = False
            return m(i['q'], i['k'], i['v'], **kw)[0]
        out, w = m(i['q'], i['k'], i['v'], **kw)
        return out, w

    kpm = torch.tensor([[False, False, True, False, True, False], [False, False, False, False, False, True]])
    layer('MultiheadAttention/self-kpm-boolmask', 'MultiheadAttention', nn.MultiheadAttention(8, 2),
          {'q': r(5, 2, 8), 'k': r(6, 2, 8), 'v': r(6, 2, 8), 'kpm': kpm, 'mask': torch.rand(5, 6) > 0.8},
          {'embed': 8, 'heads': 2, 'o': {}}, call=mha_call)
    layer('MultiheadAttention/kdim-vdim-batchfirst-floatmask', 'MultiheadAttention',
          nn.MultiheadAttention(6, 3, kdim=4, vdim=5, batch_first=True),
          {'q': r(2, 3, 6), 'k': r(2, 4, 4), 'v': r(2, 4, 5), 'mask': r(3, 4)},
          {'embed': 6, 'heads': 3, 'o': {'kdim': 4, 'vdim': 5, 'batchFirst': True}}, call=mha_call)
    layer('MultiheadAttention/unbatched-float-kpm-noweights', 'MultiheadAttention', nn.MultiheadAttention(4, 2),
          {'q': r(3, 4), 'k': r(5, 4), 'v': r(5, 4), 'kpm': r(5), 'noweights': torch.tensor(True)},
          {'embed': 4, 'heads': 2, 'o': {}}, call=mha_call)
    layer('LSTM/dropout-eval', 'LSTM', nn.LSTM(3, 4, num_layers=2, dropout=0.5), {'x': r(4, 2, 3)},
          {'in': 3, 'hidden': 4, 'o': {'numLayers': 2, 'dropout': 0.5}}, call=lstm_call, train=False)
    layer('GRU/batchfirst-ignored-unbatched', 'GRU', nn.GRU(2, 3, batch_first=True), {'x': r(4, 2), 'h0': r(1, 3)},
          {'in': 2, 'hidden': 3, 'o': {'batchFirst': True}}, call=rnn_call)
    layer('MultiheadAttention/3d-bool-mask', 'MultiheadAttention', nn.MultiheadAttention(4, 2),
          {'q': r(3, 2, 4), 'k': r(5, 2, 4), 'v': r(5, 2, 4), 'mask': torch.rand(4, 3, 5) > 0.7},
          {'embed': 4, 'heads': 2, 'o': {}}, call=mha_call)
    layer('MultiheadAttention/causal-per-head-weights-nobias', 'MultiheadAttention',
          nn.MultiheadAttention(8, 4, bias=False), {'q': r(4, 3, 8), 'k': r(4, 3, 8), 'v': r(4, 3, 8),
                                                   'causal': torch.tensor(True)},
          {'embed': 8, 'heads': 4, 'o': {'bias': False}}, call=mha_call)

    def enc_call(m, i):
        mask = causal(i['x'].shape[0]) if 'causal' in i else i.get('mask')
        return m(i['x'], src_mask=mask, src_key_padding_mask=i.get('kpm'))

    layer('TransformerEncoderLayer/post-relu', 'TransformerEncoderLayer',
          nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), {'x': r(5, 2, 8), 'mask': r(5, 5)},
          {'d': 8, 'heads': 2, 'o': {'dimFeedforward': 16, 'dropout': 0}}, call=enc_call)
    layer('TransformerEncoderLayer/prenorm-gelu-batchfirst-kpm', 'TransformerEncoderLayer',
          nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, dropout=0.0, activation='gelu', norm_first=True,
                                     batch_first=True),
          {'x': r(2, 4, 8), 'kpm': torch.tensor([[False, False, False, True], [False, True, False, False]])},
          {'d': 8, 'heads': 4, 'o': {'dimFeedforward': 12, 'dropout': 0, 'activation': 'gelu', 'normFirst': True,
                                     'batchFirst': True}}, call=enc_call)
    layer('TransformerEncoderLayer/eval-dropout-masks', 'TransformerEncoderLayer',
          nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.3),
          {'x': r(3, 2, 4), 'mask': torch.tensor([[False, True, False], [False, False, True], [False, False, False]]),
           'kpm': torch.tensor([[False, False, True], [False, False, False]])},
          {'d': 4, 'heads': 2, 'o': {'dimFeedforward': 6, 'dropout': 0.3}}, call=enc_call, train=False)
    layer('TransformerEncoderLayer/realistic', 'TransformerEncoderLayer',
          nn.TransformerEncoderLayer(64, 4, dim_feedforward=128, dropout=0.0, batch_first=True), {'x': r(4, 16, 64)},
          {'d': 64, 'heads': 4, 'o': {'dimFeedforward': 128, 'dropout': 0, 'batchFirst': True}}, call=enc_call)
    layer('TransformerEncoderLayer/causal', 'TransformerEncoderLayer',
          nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0), {'x': r(5, 2, 4), 'causal': torch.tensor(True)},
          {'d': 4, 'heads': 2, 'o': {'dimFeedforward': 8, 'dropout': 0}}, call=enc_call)

    class Containers(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2)])
            self.heads = nn.ModuleDict({'cls': nn.Linear(2, 3), 'aux': nn.Linear(2, 1)})
            self.scales = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(1, 3))])

        def forward(self, x):
            h = self.blocks[1](torch.relu(self.blocks[0](x))) * self.scales[0]
            return self.heads['cls'](h) * self.scales[1], self.heads['aux'](h)

    layer('Containers/list-dict-params', 'Containers', Containers(), {'x': r(4, 3)}, {})


NPY_DTYPES = {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64', np.dtype('int32'): 'I32'}


def write_safetensors(path, tensors):
    """The safetensors format with numpy: u64 header length, JSON header padded with spaces, raw LE bytes."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy()  # NOTE: not np.ascontiguousarray, which makes a 0-d array 1-d
        b = a.astype(a.dtype.newbyteorder('<')).tobytes()
        header[name] = {'dtype': NPY_DTYPES[a.dtype], 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(np.uint64(len(text)).tobytes())
        f.write(text)
        for b in blobs:
            f.write(b)


class Zoo(nn.Module):
    """Conv + BatchNorm + pooling, an LSTM over the rows, self-attention, a linear head."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.lstm = nn.LSTM(16, 8, batch_first=True)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        h = self.pool(torch.relu(self.bn(self.conv(x))))  # [N, 4, 4, 4]
        seq = h.permute(0, 2, 1, 3).reshape(x.shape[0], 4, 16)  # rows as steps, channels x columns as features
        out, _ = self.lstm(seq)
        a, _ = self.attn(out, out, out, need_weights=False)
        return self.head((a + out).mean(1))


def build_model(directory):
    model = Zoo()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x, y = r(8, 1, 8, 8), torch.randint(0, 3, (8,))
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = r(5, 1, 8, 8)
    with torch.no_grad():
        y = model(x)
    sd = model.state_dict()
    write_safetensors(os.path.join(directory, 'model.safetensors'), sd)
    big = dict(sd)
    big['bn.num_batches_tracked'] = torch.tensor(2**40)
    write_safetensors(os.path.join(directory, 'overflow.safetensors'), big)
    return {'input': enc(x), 'output': enc(y), 'keys': list(sd.keys()),
            'shapes': {k: list(v.shape) for k, v in sd.items()}}


def main():
    group = sys.argv[1]
    torch.manual_seed(20261202)
    if group == 'model':
        result = build_model(sys.argv[2])
    else:
        {'ops': build_ops, 'layers': build_layers}[group]()
        result = {'torch': torch.__version__, 'cases': CASES[group]}
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
