#!/usr/bin/env python3
"""Golden values for week 1, days 1-4: inputs and PyTorch-CPU outputs.

Run where torch >= 2.5 and transformers are installed (Debian's torch 1.13 lacks
scaled_dot_product_attention's enable_gqa and nn.RMSNorm):

    python3 tests/golden/week1/make_week1_goldens.py

One fixture per day (day1..day4.safetensors, format in ../golden_writer.py). Each case
carries params.task (the task its test belongs to; its test is
week_1_day_<d>_task_<t>_<case id>) and the arguments of the call.

The oracles are PyTorch's own where it has one: softmax, F.linear, F.silu,
F.scaled_dot_product_attention (with enable_gqa for day 3), nn.MultiheadAttention,
nn.RMSNorm, and transformers' Qwen2MLP. RoPE is written here from the paper's formula,
as a complex rotation of each pair of dims. Causal masks are built from their definition
(query i of L sees keys j <= S - L + i): torch's is_causal aligns the mask top-left,
which is not what decoding with a cache needs.

Dtypes: float16 / bfloat16 cases run in that dtype. Composite layers round several
times on the way (scores, probabilities, projections), and PyTorch's kernels round in
other places than ours, so their float16 / bfloat16 cases carry a looser tolerance
(COMPOSITE_TOL: about four ulps); single-rounding ops keep the test's dtype default.
RMSNorm runs on the float32 upcast and is cast back, which is what "accumulated in
float32" means.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from golden_writer import Fixture  # noqa: E402

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
TD = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
DTYPES = list(TD)
SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
COMPOSITE_TOL = {
    "float32": {"rtol": 1e-5, "atol": 1e-5},
    "float16": {"rtol": 2e-3, "atol": 2e-3},
    "bfloat16": {"rtol": 2e-2, "atol": 2e-2},
}

torch.set_num_threads(1)
_gen = torch.Generator().manual_seed(0)


class CourseFixture(Fixture):
    """Case ids start with the op, so the test of a case is week_1_day_<d>_task_<t>_<id>."""

    def case(self, cid, op, *args, **kw):
        super().case(f"{op}_{cid}", op, *args, **kw)


def randn(shape, dt, scale=1.0):
    return (torch.randn(shape, generator=_gen) * scale).to(TD[dt])


def sname(shape):
    return "x".join(str(s) for s in shape) if len(shape) else "scalar"


def causal(L, S, dt):
    visible = torch.ones(L, S).tril(S - L).bool()
    return torch.zeros(L, S).masked_fill(~visible, float("-inf")).to(TD[dt])


# --------------------------------------------------------------------------- day 1
def make_day1():
    F1 = CourseFixture(OUT_DIR, "day1")
    for dt in DTYPES:
        for shape, axis in [((7,), 0), ((3, 5), -1), ((3, 5), 0), ((2, 3, 9), -1), ((2, 3, 9), 1)]:
            x = randn(shape, dt, 3.0)
            F1.case(f"{sname(shape)}_axis{axis}_{SHORT[dt]}", "softmax", [x], [torch.softmax(x, axis)],
                    task=1, axis=axis)

    # batch ranks 0, 1, 2; S = L and S != L; default and explicit scale
    shapes = [((), 4, 4, 8), ((3,), 5, 5, 8), ((2, 3), 4, 6, 16), ((2,), 1, 7, 8)]
    for dt in DTYPES:
        tol = COMPOSITE_TOL[dt]
        for batch, L, S, D in shapes:
            q, k, v = randn((*batch, L, D), dt), randn((*batch, S, D), dt), randn((*batch, S, D), dt)
            base = f"{sname(batch)}_L{L}_S{S}_D{D}_{SHORT[dt]}"
            F1.case(base, "attention_simple", [q, k, v], [F.scaled_dot_product_attention(q, k, v)],
                    tol=tol, task=1)
            F1.case(base + "_scale0.5", "attention_simple", [q, k, v],
                    [F.scaled_dot_product_attention(q, k, v, scale=0.5)], tol=tol, task=1, scale=0.5)
            # a mask shared by the batch (L x S) and one per batch element, with hidden keys
            m = randn((L, S), dt)
            m[:, 0] = float("-inf") if S > 1 else 0.0
            F1.case(base + "_mask_LxS", "attention_simple_mask", [q, k, v, m],
                    [F.scaled_dot_product_attention(q, k, v, attn_mask=m)], tol=tol, task=1)
            mb = randn((*batch, L, S), dt)
            F1.case(base + "_mask_full", "attention_simple_mask", [q, k, v, mb],
                    [F.scaled_dot_product_attention(q, k, v, attn_mask=mb)], tol=tol, task=1)

    for dt in DTYPES:
        for lead, I, O, bias in [((), 8, 5, True), ((4,), 16, 8, False), ((2, 3), 12, 10, True), ((3, 1), 32, 4, False)]:
            x, w = randn((*lead, I), dt), randn((O, I), dt, 0.3)
            ins = [x, w] + ([randn((O,), dt)] if bias else [])
            # with a bias, torch rounds once (addmm) and we round twice (matmul, then add)
            F1.case(f"{sname(lead)}_I{I}_O{O}_{'bias' if bias else 'nobias'}_{SHORT[dt]}", "linear", ins,
                    [F.linear(*ins)], tol=COMPOSITE_TOL[dt] if bias else None, task=2, bias=bias)

    for dt in DTYPES:
        for N, L, S, E, H, masked in [(1, 4, 4, 16, 2, False), (2, 3, 5, 24, 3, True), (3, 6, 6, 32, 4, True)]:
            mha = torch.nn.MultiheadAttention(E, H, bias=False, batch_first=True)
            w_in = randn((3 * E, E), "float32", E ** -0.5)
            wo = randn((E, E), "float32", E ** -0.5)
            with torch.no_grad():
                mha.in_proj_weight.copy_(w_in)
                mha.out_proj.weight.copy_(wo)
            mha = mha.to(TD[dt])
            wq, wk, wv = mha.in_proj_weight.detach().chunk(3)
            q, k, v = randn((N, L, E), dt), randn((N, S, E), dt), randn((N, S, E), dt)
            ins = [q, k, v, wq.contiguous(), wk.contiguous(), wv.contiguous(), mha.out_proj.weight.detach()]
            mask = None
            if masked:
                mask = randn((L, S), dt)
                ins.append(mask)
            with torch.no_grad():
                out, _ = mha(q, k, v, attn_mask=mask, need_weights=False)
            F1.case(f"N{N}_L{L}_S{S}_E{E}_H{H}{'_mask' if masked else ''}_{SHORT[dt]}",
                    "simple_multi_head_attention", ins, [out], tol=COMPOSITE_TOL[dt],
                    task=2, hiddenSize=E, numHeads=H, masked=masked)
    return F1.write()


# --------------------------------------------------------------------------- day 2
def rope_oracle(x, dims, base, traditional, offset):
    """x: N.. x L x H x D, any float dtype -> rotated in float32, cast back.

    Each pair (a, b) of dims is the complex number a + ib, multiplied by
    exp(i * position * theta_j) with theta_j = base^(-2j/D) (RoFormer, eq. 34).
    """
    xf = x.float()
    L, D = xf.shape[-3], xf.shape[-1]
    theta = 1.0 / (base ** (torch.arange(0, dims, 2, dtype=torch.float32) / dims))
    pos = torch.arange(offset, offset + L, dtype=torch.float32)
    rot = torch.polar(torch.ones(L, dims // 2), torch.outer(pos, theta))[:, None, :]  # L x 1 x D/2
    if traditional:
        z = torch.view_as_complex(xf.reshape(*xf.shape[:-1], D // 2, 2).contiguous())
        out = torch.view_as_real(z * rot).reshape(xf.shape)
    else:
        z = torch.complex(xf[..., : D // 2], xf[..., D // 2:])
        r = z * rot
        out = torch.cat([r.real, r.imag], -1)
    return out.to(x.dtype)


def make_day2():
    F2 = CourseFixture(OUT_DIR, "day2")
    seq_len = 32
    cases = [((), 5, 2, 8, 0), ((2,), 6, 3, 8, 0), ((2,), 3, 2, 16, 5), ((1, 2), 4, 2, 8, 0),
             ((2,), 1, 4, 16, 20), ((1,), 32, 1, 4, 0)]
    for dt in DTYPES:
        for traditional, op, task in [(True, "rope_traditional", 1), (False, "rope", 2)]:
            for base in [10000.0, 1000000.0]:
                for batch, L, H, D, offset in cases:
                    x = randn((*batch, L, H, D), dt)
                    F2.case(f"{sname(batch)}_L{L}_H{H}_D{D}_off{offset}_base{int(base)}_{SHORT[dt]}", op, [x],
                            [rope_oracle(x, D, base, traditional, offset)], task=task,
                            dims=D, seqLen=seq_len, base=base, traditional=traditional, offset=offset)
    return F2.write()


# --------------------------------------------------------------------------- day 3
def make_day3():
    F3 = CourseFixture(OUT_DIR, "day3")
    configs = [((), 4, 4, 3, 3, 8), ((2,), 4, 2, 3, 3, 8), ((1, 2), 8, 2, 2, 5, 8), ((2,), 6, 1, 4, 4, 16),
               ((3,), 4, 1, 1, 6, 8)]
    for dt in DTYPES:
        tol = COMPOSITE_TOL[dt]
        for batch, Hq, Hkv, L, S, D in configs:
            q = randn((*batch, Hq, L, D), dt)
            k, v = randn((*batch, Hkv, S, D), dt), randn((*batch, Hkv, S, D), dt)
            base = f"{sname(batch)}_Hq{Hq}_Hkv{Hkv}_L{L}_S{S}_D{D}_{SHORT[dt]}"
            sdpa = lambda **kw: F.scaled_dot_product_attention(q, k, v, enable_gqa=True, **kw)  # noqa: E731
            F3.case(base, "attention_grouped", [q, k, v], [sdpa()], tol=tol, task=1)
            F3.case(base + "_scale0.5", "attention_grouped", [q, k, v], [sdpa(scale=0.5)], tol=tol, task=1,
                    scale=0.5)
            m = randn((L, S), dt)
            F3.case(base + "_mask_LxS", "attention_grouped", [q, k, v, m], [sdpa(attn_mask=m)], tol=tol, task=1)
            mf = randn((*batch, Hq, L, S), dt)
            F3.case(base + "_mask_full", "attention_grouped", [q, k, v, mf], [sdpa(attn_mask=mf)], tol=tol,
                    task=1)
            F3.case(base, "attention_grouped_causal", [q, k, v], [sdpa(attn_mask=causal(L, S, dt))], tol=tol,
                    task=2)
        for L, S in [(1, 1), (4, 4), (2, 6), (1, 5), (5, 7)]:
            F3.case(f"L{L}_S{S}_{SHORT[dt]}", "causal_mask", [], [causal(L, S, dt)], task=2, L=L, S=S, dtype=dt)
    return F3.write()


# --------------------------------------------------------------------------- day 4
def make_day4():
    from transformers import Qwen2Config
    from transformers.models.qwen2.modeling_qwen2 import Qwen2MLP

    F4 = CourseFixture(OUT_DIR, "day4")
    for dt in DTYPES:
        for lead, D, eps, shift in [((), 8, 1e-5, 0.0), ((5,), 16, 1e-6, 0.0), ((2, 3), 32, 1e-5, 0.0),
                                    ((2,), 4096, 1e-6, 3.0)]:
            # shift: values near 3 over 4096 dims, where a bfloat16 running sum of squares
            # (8 bits of mantissa) would stall long before the end
            x = (torch.randn((*lead, D), generator=_gen) * 0.1 + shift).to(TD[dt])
            w = randn((D,), dt, 0.5) + 1
            norm = torch.nn.RMSNorm(D, eps=eps)
            with torch.no_grad():
                norm.weight.copy_(w.float())
                y = norm(x.float()).to(TD[dt])
            F4.case(f"{sname(lead)}_D{D}_eps{eps:g}{'_shift' if shift else ''}_{SHORT[dt]}", "rms_norm", [x, w], [y],
                    task=1, dim=D, eps=eps)
        for shape in [(9,), (3, 7), (2, 3, 4)]:
            x = randn(shape, dt, 4.0)
            F4.case(f"{sname(shape)}_{SHORT[dt]}", "silu", [x], [F.silu(x)], task=2)
        for lead, E, I in [((3,), 8, 16), ((2, 4), 16, 40), ((1, 2, 3), 12, 24)]:
            mlp = Qwen2MLP(Qwen2Config(hidden_size=E, intermediate_size=I, hidden_act="silu"))
            with torch.no_grad():
                for lin in (mlp.gate_proj, mlp.up_proj, mlp.down_proj):
                    lin.weight.copy_(torch.randn(lin.weight.shape, generator=_gen) * lin.weight.shape[1] ** -0.5)
                mlp = mlp.to(TD[dt])
                x = randn((*lead, E), dt)
                y = mlp(x)
            ins = [x, mlp.gate_proj.weight.detach(), mlp.up_proj.weight.detach(), mlp.down_proj.weight.detach()]
            F4.case(f"{sname(lead)}_E{E}_I{I}_{SHORT[dt]}", "qwen2_mlp", ins, [y], tol=COMPOSITE_TOL[dt], task=2,
                    dim=E, hiddenDim=I)
    return F4.write()


if __name__ == "__main__":
    major, minor = (int(p) for p in torch.__version__.split(".")[:2])
    if (major, minor) < (2, 5):
        sys.exit(f"torch {torch.__version__} is too old: enable_gqa and nn.RMSNorm need torch >= 2.5")
    total = make_day1() + make_day2() + make_day3() + make_day4()
    print(f"total: {total} cases (torch {torch.__version__})")
