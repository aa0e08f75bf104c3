"""The fixture format of tests/golden: one safetensors file per op family.

The file's `__metadata__.cases` is a JSON list of cases

    {"id": "...", "op": "...", "params": {...},
     "inputs": ["<tensor name>", ...], "outputs": ["<tensor name>", ...],
     "tol": {"rtol": r, "atol": a}   # optional, overrides the dtype default}

and tests/helpers/golden.ts reads it. Written by hand (the format is a JSON header and
raw little-endian bytes) so that the scripts need only torch and numpy.
"""
import json
import os
import struct
import sys

import numpy as np
import torch


def tensor_bytes(x):
    """(safetensors dtype, shape, little-endian bytes) of a torch tensor or numpy array."""
    if isinstance(x, torch.Tensor):
        x = x.contiguous()
        if x.dtype == torch.bfloat16:
            return "BF16", list(x.shape), x.view(torch.int16).numpy().astype("<i2").tobytes()
        m = {torch.float32: ("F32", "<f4"), torch.float16: ("F16", "<f2"),
             torch.int32: ("I32", "<i4"), torch.uint8: ("U8", "u1"), torch.bool: ("BOOL", "u1")}
        if x.dtype not in m:
            raise TypeError(f"unsupported torch dtype {x.dtype} (cast int64 to int32 first)")
        code, npdt = m[x.dtype]
        return code, list(x.shape), x.numpy().astype(npdt).tobytes()
    x = np.array(x, order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    m = {np.dtype(np.float32): ("F32", "<f4"), np.dtype(np.float16): ("F16", "<f2"),
         np.dtype(np.int32): ("I32", "<i4"), np.dtype(np.uint32): ("U32", "<u4"),
         np.dtype(np.uint8): ("U8", "u1"), np.dtype(np.bool_): ("BOOL", "u1")}
    if x.dtype not in m:
        raise TypeError(f"unsupported numpy dtype {x.dtype}")
    code, npdt = m[x.dtype]
    return code, list(x.shape), x.astype(npdt).tobytes()


class Fixture:
    """The cases of one op family, written as <out_dir>/<family>.safetensors."""

    def __init__(self, out_dir, family):
        self.out_dir = out_dir
        self.family = family
        self.tensors = {}  # name -> (code, shape, bytes)
        self.cases = []
        self.ids = set()

    def case(self, cid, op, inputs, outputs, tol=None, **params):
        if cid in self.ids:
            raise ValueError(f"duplicate case id {cid}")
        self.ids.add(cid)
        names_in, names_out = [], []
        for i, t in enumerate(inputs):
            n = f"{cid}/in{i}"
            self.tensors[n] = tensor_bytes(t)
            names_in.append(n)
        for i, t in enumerate(outputs):
            n = f"{cid}/out{i}"
            self.tensors[n] = tensor_bytes(t)
            names_out.append(n)
        c = {"id": cid, "op": op, "params": params, "inputs": names_in, "outputs": names_out}
        if tol is not None:
            c["tol"] = tol
        self.cases.append(c)

    def write(self):
        header = {}
        blob = bytearray()
        for name in sorted(self.tensors):
            code, shape, data = self.tensors[name]
            header[name] = {"dtype": code, "shape": shape,
                            "data_offsets": [len(blob), len(blob) + len(data)]}
            blob += data
        header["__metadata__"] = {"cases": json.dumps(self.cases, allow_nan=False)}
        h = json.dumps(header, allow_nan=False).encode("utf-8")
        h += b" " * ((8 - len(h) % 8) % 8)
        path = os.path.join(self.out_dir, f"{self.family}.safetensors")
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(h)))
            f.write(h)
            f.write(blob)
        print(f"{path}: {len(self.cases)} cases, {8 + len(h) + len(blob)} bytes")
        return len(self.cases)


def models_dir_and_out(argv, default_out, folders):
    """`<models folder> [--out DIR]` of a model-level goldens script: (models folder, output folder); exits with usage otherwise."""
    args = list(argv[1:])
    out = default_out
    if "--out" in args:
        i = args.index("--out")
        if i + 1 >= len(args):
            sys.exit(f"{argv[0]}: --out needs a folder")
        out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(f"usage: {argv[0]} <folder holding {', '.join(folders)}> [--out DIR]")
    return args[0], out
