"""Shared helpers of the PyTorch 1.13 value generators: deterministic inputs (the same formula as the TS
suite's `wave`) and TS literal printing. Run the generators with Debian's /usr/bin/python3."""
import json
import math

import torch

torch.set_default_dtype(torch.float32)


def wave(shape, seed, scale=2.0):
    """round(sin(1.3 i + seed) * scale, 3) for i in 0..n-1, as a float32 tensor of `shape`."""
    n = 1
    for d in shape:
        n *= d
    vals = [round(math.sin(1.3 * i + seed) * scale, 3) for i in range(n)]
    return torch.tensor(vals, dtype=torch.float32).reshape(shape)


def flat(t):
    return [float('%.7g' % v) for v in t.detach().reshape(-1).tolist()]


def emit(name, value, out):
    out.append(f"  {name}: {json.dumps(value)},")


def write(path, header, entries):
    with open(path, 'w') as f:
        f.write(header)
        f.write('\n'.join(entries))
        f.write('\n};\n')
