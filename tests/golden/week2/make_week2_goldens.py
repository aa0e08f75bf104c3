#!/usr/bin/env python3
"""Golden values for week 2, day 2 (quantized matmul) and day 4 (flash attention).

Run where torch >= 2.5 is installed (Debian's torch 1.13 lacks
scaled_dot_product_attention and its enable_gqa), on any CPU:

    python3 tests/golden/week2/make_week2_goldens.py [--out DIR] [--only day2|day2_int8|day3_f16|day4]

The committed fixtures were made with torch 2.13.0+cpu on an x86-64 CPU, day2_int8 with
torch 2.11.0 on the CPU of the device machine (an x86-64 Xeon), day3_f16 likewise (the last
line the script prints names the version). Writes day2.safetensors, day2_int8.safetensors,
day3_f16.safetensors and day4.safetensors
(format in ../golden_writer.py) next to this script, or into DIR. Deterministic: a
generator seeded with the day's number, one thread.

Every case carries params.task (its test is week_2_day_<d>_task_<t>_<case id>) and the
arguments of the call.

Day 2, quantizedMatmul(x, {weight, scales, biases, groupSize, bits}), bits 4 and 8,
groups 32, 64 and 128, x in float32 or bfloat16, scales and biases in float32, float16
or bfloat16:
  inputs [x: N.. x K, weight: O x K*bits/32 uint32, scales: O x K/group, biases: O x K/group].
  Weights are quantized here into MLX's affine layout: per group of `groupSize` inputs,
  scale = (max - min) / (2^bits - 1), bias = min, code = clamp(round((w - bias) / scale)),
  codes packed LSB-first into uint32 words along the input axis; scales and biases are
  stored in the case's dtype. The oracle dequantizes with the stored (rounded) scales and
  biases, w = code * scale + bias in float32, and computes x.float() @ w.T in float32,
  cast to x's dtype. Float32 cases carry an atol of 2e-6 * max(|x| @ |w|.T): summing K
  products in another order moves a float32 dot product by a few ulps of the sum of
  magnitudes, not of the (possibly cancelling) result.

Day 2 with int8 activations (day2_int8.safetensors), quantizedMatmul(x, {..., activations:
"int8"}): the same weights, times x quantized to int8 per group of `groupSize` inputs,
sx = max|x| / 127, X = round(x / sx) (half to even; X = 0 where sx = 0), x̂ = sx * X, each
step one float32 operation as the kernel's binding does it; the oracle computes
x̂ @ w.T in float32 (x in float32, or bfloat16 widened to float32 first). Some rows of x
hold a group of zeros (sx = 0).

Day 3 with float16 activations (day3_f16.safetensors), quantizedMatmul(x, {..., activations:
"float16"}) on a GPU's matrix units, rows of x > 8 (the tiled kernel's): x and the
dequantized w each rounded to float16, then multiplied in float32: x.half().float() @
w.half().float().T, cast to x's dtype. K = 288 with groups of 32 leaves a last step of 32
inputs; 70 rows and 130 outputs leave partial tiles.

Day 4, flashAttention(q, k, v, {scale, mask}), float32:
  inputs [q: N.. x H_q x L x D, k, v: N.. x H_kv x S x D] (+ [mask] when params.mask is
  "array": an additive float mask with -inf entries, broadcastable to N.. x H_q x L x S,
  never a fully masked row). params.mask "causal" is the bottom-right aligned causal mask
  (query i of L sits at position S - L + i and sees keys <= it), built here from that
  definition: torch's is_causal aligns the mask top-left, which is not what decoding with
  a cache needs when L != S. The oracle is F.scaled_dot_product_attention with
  enable_gqa=True (K/V heads shared by H_q / H_kv query heads, never repeated).
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from golden_writer import Fixture  # noqa: E402

TD = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
ATTENTION_TOL = {"rtol": 1e-5, "atol": 1e-5}

torch.set_num_threads(1)
_gen = torch.Generator()  # seeded with the day's number by each make_day<d>


class CourseFixture(Fixture):
    """Case ids start with the op, so the test of a case is week_2_day_<d>_task_<t>_<id>.

    Cases that share an input (the same q, k, v under several masks) share its tensor:
    a case's input names may point at an earlier case's tensor.
    """

    def __init__(self, *args):
        super().__init__(*args)
        self.first_name = {}  # (dtype, shape, bytes) -> the first tensor name holding them

    def case(self, cid, op, *args, **kw):
        super().case(f"{op}_{cid}", op, *args, **kw)
        c = self.cases[-1]
        c["inputs"] = [self.shared(n) for n in c["inputs"]]

    def shared(self, name):
        code, shape, data = self.tensors[name]
        first = self.first_name.setdefault((code, tuple(shape), data), name)
        if first != name:
            del self.tensors[name]
        return first


def randn(shape, scale=1.0):
    return torch.randn(shape, generator=_gen) * scale


def lead_name(lead):
    """Leading (batch) dims in a case id: "N2x3_", or nothing when there are none."""
    return f"N{'x'.join(str(s) for s in lead)}_" if lead else ""


# --------------------------------------------------------------------------- day 2
def quantize(w, group, bits, dt):
    """O x K float32 -> (O x K*bits/32 uint32 words, O x K/group scales and biases in dt)."""
    O, K = w.shape
    levels = 2 ** bits - 1
    g = w.reshape(O, K // group, group)
    lo, hi = g.min(-1).values, g.max(-1).values
    scales, biases = ((hi - lo) / levels).to(TD[dt]), lo.to(TD[dt])
    codes = torch.round((g - biases.float()[..., None]) / scales.float()[..., None]).clamp(0, levels)
    codes = codes.to(torch.int64).reshape(O, K)
    per_word = 32 // bits
    shifts = torch.arange(per_word, dtype=torch.int64) * bits
    words = (codes.reshape(O, K // per_word, per_word) << shifts).sum(-1)  # < 2^32
    return words.numpy().astype(np.uint32), codes, scales, biases


def dequantize(codes, scales, biases, group):
    """w = code * scale + bias per group, in float32 from the stored scales and biases."""
    O, K = codes.shape
    g = codes.float().reshape(O, K // group, group)
    return (g * scales.float()[..., None] + biases.float()[..., None]).reshape(O, K)


# The course's kernels take 4 and 8 bits (MLX checkpoints also come in 2, 3 and 6).
QMM_BITS = [4, 8]
# (N.., M, K, O): leading ranks 0-2, decode rows (M = 1, 2) and prefill rows (5, 33)
QMM_SHAPES = [((), 1, 128, 32), ((), 2, 64, 7), ((3,), 5, 384, 16), ((2, 2), 1, 128, 1), ((), 33, 128, 32),
              ((2,), 1, 384, 96)]
# (x dtype, scales/biases dtype)
QMM_DTYPES = [("float32", "float32"), ("float32", "float16"), ("float32", "bfloat16"), ("bfloat16", "bfloat16"),
              ("bfloat16", "float32")]


def qmm_case(F2, bits, group, lead, M, K, O, xdt, sdt):
    x = randn((*lead, M, K)).to(TD[xdt])
    words, codes, scales, biases = quantize(randn((O, K), K ** -0.5), group, bits, sdt)
    w = dequantize(codes, scales, biases, group)
    y = x.float() @ w.T
    tol = None
    if xdt == "float32":
        tol = {"rtol": 1e-5, "atol": 2e-6 * float((x.float().abs() @ w.abs().T).max())}
    F2.case(f"bits{bits}_group{group}_{lead_name(lead)}M{M}_K{K}_O{O}_x{SHORT[xdt]}_s{SHORT[sdt]}", "quantized_matmul",
            [x, words, scales, biases], [y.to(TD[xdt])], tol=tol, task=1, groupSize=group, bits=bits)


def int8_round_trip(x, group):
    """x (N.. x K, float32) quantized to int8 per group of `group` inputs and back: x̂ = sx * X."""
    g = x.reshape(*x.shape[:-1], x.shape[-1] // group, group)
    sx = g.abs().amax(-1, keepdim=True) / 127.0
    X = torch.where(sx > 0, torch.round(g / torch.where(sx > 0, sx, 1.0)), 0.0)
    return (sx * X).reshape(x.shape)


# (N.., M, K, O): decode rows (M = 1, 3: the CPU's integer kernel), a batch of 9 decode
# rows (two calls of it), prefill rows (33)
QMM_INT8_SHAPES = [((), 1, 256, 40), ((), 3, 128, 8), ((2,), 1, 384, 24), ((), 9, 128, 16), ((), 33, 256, 32)]


def activation_cases(F, shapes, name, activations, task, x_of, w_of, zero_group=False):
    """quantizedMatmul(x, {..., activations}) on every bits, group and shape: y = x_of(x) @
    w_of(w).T in float32, x_of(x, group) and w_of(w) what the kernel multiplies (w
    dequantized in float32); zero_group zeroes the first group of x's first row."""
    for bits, group, (lead, M, K, O), (xdt, sdt) in qmm_params(shapes):
        x = randn((*lead, M, K)).to(TD[xdt])
        if zero_group:
            x.reshape(-1, K)[0, :group] = 0
        words, codes, scales, biases = quantize(randn((O, K), K ** -0.5), group, bits, sdt)
        xm, wm = x_of(x.float(), group), w_of(dequantize(codes, scales, biases, group))
        y = xm @ wm.T
        tol = {"rtol": 1e-5, "atol": 2e-6 * float((xm.abs() @ wm.abs().T).max())} if xdt == "float32" else None
        F.case(f"{name}_bits{bits}_group{group}_{lead_name(lead)}M{M}_K{K}_O{O}_x{SHORT[xdt]}_s{SHORT[sdt]}",
               "quantized_matmul", [x, words, scales, biases], [y.to(TD[xdt])], tol=tol, task=task,
               groupSize=group, bits=bits, activations=activations)
    return F.write()


def make_day2_int8(out_dir):
    _gen.manual_seed(22)
    # A group of zeros: sx = 0.
    return activation_cases(CourseFixture(out_dir, "day2_int8"), QMM_INT8_SHAPES, "int8", "int8", 1,
                            int8_round_trip, lambda w: w, zero_group=True)


# (N.., M, K, O): rows of x above 8 (a prefill's), partial tiles of x (70 rows) and W (130)
QMM_F16_SHAPES = [((), 9, 128, 16), ((3,), 5, 384, 16), ((), 33, 256, 40), ((), 70, 288, 130)]


def make_day3_f16(out_dir):
    _gen.manual_seed(3)
    return activation_cases(CourseFixture(out_dir, "day3_f16"), QMM_F16_SHAPES, "f16", "float16", 4,
                            lambda x, group: x.half().float(), lambda w: w.half().float())


def qmm_params(shapes):
    """(bits, group, shape, (x dtype, scales dtype)) of each case: every bits, group and
    shape the group divides, the dtype pairs taken in turn (each meets several shapes)."""
    n = 0
    for bits in QMM_BITS:
        for group in [32, 64, 128]:
            for shape in shapes:
                if shape[2] % group:
                    continue
                yield bits, group, shape, QMM_DTYPES[n % len(QMM_DTYPES)]
                n += 1


def make_day2(out_dir):
    _gen.manual_seed(2)
    F2 = CourseFixture(out_dir, "day2")
    for bits, group, (lead, M, K, O), (xdt, sdt) in qmm_params(QMM_SHAPES):
        qmm_case(F2, bits, group, lead, M, K, O, xdt, sdt)
    # 130 rows: the GPU's tiled kernel takes its large tile (128 x 128) from 64 rows on.
    for bits in QMM_BITS:
        qmm_case(F2, bits, 64, (), 130, 128, 40, "float32", "bfloat16")
    return F2.write()


# --------------------------------------------------------------------------- day 4
def causal_mask(L, S):
    """L x S additive mask: query i sits at position S - L + i and sees keys j <= S - L + i."""
    visible = torch.ones(L, S).tril(S - L).bool()
    return torch.zeros(L, S).masked_fill(~visible, float("-inf"))


def random_mask(shape, hidden=0.3):
    """Additive float mask: random values, about `hidden` of the keys at -inf, never a whole row."""
    m = randn(shape)
    hide = torch.rand(shape, generator=_gen) < hidden
    keep = torch.randint(0, shape[-1], (*shape[:-1], 1), generator=_gen)
    hide.scatter_(-1, keep, False)
    return m.masked_fill(hide, float("-inf"))


# (N.., H_q, H_kv, L, S, D): L = S, L < S (prefill after a cache), L = 1 decode over a long
# cache, L > S (no causal mask there: its first rows would see no key)
FA_CONFIGS = [((), 1, 1, 4, 4, 8), ((2,), 4, 2, 3, 9, 32), ((1, 2), 2, 1, 5, 5, 8), ((), 7, 1, 1, 300, 8),
              ((), 4, 1, 1, 257, 32), ((), 4, 2, 17, 40, 64), ((), 2, 1, 33, 70, 8), ((2,), 2, 2, 1, 1, 64),
              ((), 2, 1, 64, 64, 32), ((), 7, 7, 6, 3, 8)]


def make_day4(out_dir):
    _gen.manual_seed(4)
    F4 = CourseFixture(out_dir, "day4")
    for batch, Hq, Hkv, L, S, D in FA_CONFIGS:
        q = randn((*batch, Hq, L, D))
        k, v = randn((*batch, Hkv, S, D)), randn((*batch, Hkv, S, D))
        base = f"{lead_name(batch)}Hq{Hq}_Hkv{Hkv}_L{L}_S{S}_D{D}"

        def add(cid, mask_kind, mask=None, scale=None):
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale, enable_gqa=True)
            params = {"mask": mask_kind} | ({} if scale is None else {"scale": scale})
            ins = [q, k, v] + ([mask] if mask_kind == "array" else [])
            F4.case(cid, "flash_attention", ins, [out], tol=ATTENTION_TOL, task=1, **params)

        add(base, "none")
        add(base + "_scale0.3", "none", scale=0.3)
        if L <= S:
            add(base + "_causal", "causal", causal_mask(L, S))
            add(base + "_causal_scale0.3", "causal", causal_mask(L, S), scale=0.3)
        add(base + "_mask_LxS", "array", random_mask((L, S)))
        add(base + "_mask_full", "array", random_mask((*batch, Hq, L, S)))
        if batch:  # one mask per batch element, shared by the heads
            add(base + "_mask_heads1", "array", random_mask((*batch, 1, L, S)))
    return F4.write()


if __name__ == "__main__":
    major, minor = (int(p) for p in torch.__version__.split(".")[:2])
    if (major, minor) < (2, 5):
        sys.exit(f"torch {torch.__version__} is too old: scaled_dot_product_attention's enable_gqa needs torch >= 2.5")
    args = sys.argv[1:]
    out = args[args.index("--out") + 1] if "--out" in args else os.path.dirname(os.path.abspath(__file__))
    # --only day3_f16: that fixture alone (the others stay as their torch made them)
    only = args[args.index("--only") + 1] if "--only" in args else None
    makers = {"day2": make_day2, "day2_int8": make_day2_int8, "day3_f16": make_day3_f16, "day4": make_day4}
    total = sum(make(out) for name, make in makers.items() if only in (None, name))
    print(f"total: {total} cases (torch {torch.__version__})")
