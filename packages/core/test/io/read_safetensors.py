"""An independent safetensors reader (Python + numpy, no cp code) for the checkpoint test.

Reads the file named on the command line as the format's specification describes it: an 8-byte little-endian
header length, a JSON header padded with spaces, then the tensors' bytes with no holes. Checks what a strict
reader checks and prints JSON: per tensor its dtype, shape and values (float32 as uint32 bit patterns, so the
comparison is exact), and the __metadata__ with cp's tagged numbers decoded to their Python repr.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "I32": "<i4", "BOOL": "?"}
NAMED = {"Infinity": float("inf"), "-Infinity": float("-inf"), "NaN": float("nan"), "-0": -0.0}


def untag(value):
    """cp's exact JSON: {"$cp.number": "Infinity"} is a number, {"$cp.object": {...}} a plain object."""
    if isinstance(value, list):
        return [untag(v) for v in value]
    if not isinstance(value, dict):
        return value
    if list(value) == ["$cp.number"]:
        return repr(NAMED[value["$cp.number"]])
    if list(value) == ["$cp.object"]:
        value = value["$cp.object"]
    return {k: untag(v) for k, v in value.items()}


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), "header longer than the file"
    text = raw[8 : 8 + n].decode("utf-8")
    assert text.startswith("{"), "header is not a JSON object"
    assert (8 + n) % 8 == 0, "the data section does not start 8-byte aligned"
    assert text.rstrip(" ").endswith("}"), "the header is padded with something other than spaces"
    header = json.loads(text)
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values()), "metadata values must be strings"
    out = {}
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: hole or overlap at {begin}"
        dtype = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert stop - begin == count * dtype.itemsize, f"{name}: byte size does not match dtype and shape"
        values = np.frombuffer(data[begin:stop], dtype=dtype).reshape(info["shape"])
        if info["dtype"] == "F32":
            values = values.view("<u4")
        out[name] = {"dtype": info["dtype"], "shape": list(values.shape), "values": values.astype(np.int64).ravel().tolist()}
        end = stop
    assert end == len(data), "bytes after the last tensor"
    meta = {k: (untag(json.loads(v)) if k.startswith("cp.") and k != "cp.format" else v) for k, v in metadata.items()}
    json.dump({"tensors": out, "metadata": meta}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
