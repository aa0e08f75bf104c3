#!/usr/bin/env python3
"""Golden values for week 1, days 1-7 (layers): inputs and PyTorch-CPU outputs.

Run where torch >= 2.5 and transformers are installed (Debian's torch 1.13 lacks
scaled_dot_product_attention's enable_gqa and nn.RMSNorm):

    python3 tests/golden/week1/make_week1_goldens.py

One fixture per day (day1..day7.safetensors, format in ../golden_writer.py). Each case
carries params.task (the task its test belongs to; its test is
week_1_day_<d>_task_<t>_<case id>) and the arguments of the call.

The oracles are PyTorch's own where it has one: softmax, F.linear, F.silu,
F.scaled_dot_product_attention (with enable_gqa for day 3), nn.MultiheadAttention,
nn.RMSNorm, and transformers' Qwen2MLP, Qwen2Attention and Qwen2DecoderLayer (float32,
eager attention). The whole tiny model is checked by make_tiny_model_goldens.py. RoPE is written here from the paper's formula,
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


# --------------------------------------------------------------------------- day 5
def make_day5():
    from transformers import Qwen2Config
    from transformers.models.qwen2.modeling_qwen2 import Qwen2Attention, Qwen2DecoderLayer, Qwen2RotaryEmbedding

    F5 = CourseFixture(OUT_DIR, "day5")
    for N, L, E, Hq, Hkv, I, theta in [(1, 5, 32, 4, 2, 64, 10000.0), (2, 7, 64, 8, 2, 96, 1000000.0),
                                       (1, 4, 48, 6, 6, 80, 1000000.0), (2, 3, 32, 4, 1, 48, 10000.0)]:
        cfg = Qwen2Config(hidden_size=E, num_attention_heads=Hq, num_key_value_heads=Hkv, intermediate_size=I,
                          rms_norm_eps=1e-6, rope_theta=theta, max_position_embeddings=64)
        if getattr(cfg, "rope_parameters", None):
            cfg.rope_parameters["rope_theta"] = theta
        cfg._attn_implementation = "eager"
        D = E // Hq
        rot = Qwen2RotaryEmbedding(config=cfg)
        assert torch.allclose(rot.inv_freq, 1.0 / theta ** (torch.arange(0, D, 2).float() / D)), "rope_theta not applied"
        x = randn((N, L, E), "float32")
        pos = torch.arange(L)[None].expand(N, L)
        cos_sin = rot(x, pos)
        mask = causal(L, L, "float32")[None, None].expand(N, 1, L, L)
        layer = Qwen2DecoderLayer(cfg, layer_idx=0)
        with torch.no_grad():
            for name, prm in layer.named_parameters():
                fan_in = prm.shape[-1]
                prm.copy_(randn(tuple(prm.shape), "float32", fan_in ** -0.5 if prm.ndim == 2 else 0.2)
                          + (1.0 if "layernorm" in name else 0.0))
            attn_out = layer.self_attn(x, position_embeddings=cos_sin,
                                       attention_mask=mask)[0]
            block_out = layer(x, attention_mask=mask, position_ids=pos, position_embeddings=cos_sin)
            block_out = block_out[0] if isinstance(block_out, tuple) else block_out
        a = layer.self_attn
        attn_w = [a.q_proj.weight, a.k_proj.weight, a.v_proj.weight, a.o_proj.weight,
                  a.q_proj.bias, a.k_proj.bias, a.v_proj.bias]
        m = layer.mlp
        block_w = attn_w + [m.gate_proj.weight, m.up_proj.weight, m.down_proj.weight,
                            layer.input_layernorm.weight, layer.post_attention_layernorm.weight]
        dims = dict(hiddenSize=E, numHeads=Hq, numKvHeads=Hkv, intermediateSize=I, theta=theta, maxSeqLen=64,
                    rmsNormEps=1e-6)
        base = f"N{N}_L{L}_E{E}_Hq{Hq}_Hkv{Hkv}_theta{int(theta)}"
        F5.case(base, "qwen2_attention", [x] + [w.detach() for w in attn_w], [attn_out], task=1, **dims)
        F5.case(base + f"_I{I}", "qwen2_block", [x] + [w.detach() for w in block_w], [block_out], task=2, **dims)
    for dt in DTYPES:
        V, E = 50, 16
        w = randn((V, E), dt)
        ids = torch.randint(0, V, (2, 7), generator=_gen, dtype=torch.int32)
        F5.case(f"lookup_V{V}_E{E}_{SHORT[dt]}", "embedding", [ids, w], [F.embedding(ids.long(), w)], task=3,
                vocabSize=V, dim=E)
        x = randn((2, 3, E), dt)
        F5.case(f"as_linear_V{V}_E{E}_{SHORT[dt]}", "embedding_as_linear", [x, w], [F.linear(x, w)], task=3,
                vocabSize=V, dim=E)
    return F5.write()


# --------------------------------------------------------------------------- day 6
def make_day6():
    """dequantizeLinear: codes packed LSB-first, 32/bits to a uint32 word, along each row."""
    F6 = CourseFixture(OUT_DIR, "day6")
    for dt in ["float16", "bfloat16"]:
        for O, I, group, bits in [(4, 64, 64, 4), (3, 128, 32, 4), (5, 64, 64, 8), (2, 128, 64, 2)]:
            codes = torch.randint(0, 2 ** bits, (O, I), generator=_gen, dtype=torch.int64)
            per_word = 32 // bits
            shifts = torch.arange(per_word, dtype=torch.int64) * bits
            words = (codes.reshape(O, I // per_word, per_word) << shifts).sum(-1)  # < 2^32
            scales = randn((O, I // group), dt, 0.05)
            biases = randn((O, I // group), dt, 0.1)
            w = (codes.float().reshape(O, I // group, group) * scales.float()[..., None]
                 + biases.float()[..., None]).reshape(O, I).to(TD[dt])
            F6.case(f"O{O}_I{I}_group{group}_bits{bits}_{SHORT[dt]}", "dequantize_linear",
                    [words.to(torch.int64).numpy().astype("uint32"), scales, biases], [w], task=1,
                    groupSize=group, bits=bits)
    return F6.write()


# --------------------------------------------------------------------------- day 7
def make_day7():
    """Sampling: what each rule allows, computed by torch from the same logits."""
    F7 = CourseFixture(OUT_DIR, "day7")
    logits = torch.randn((3, 40), generator=_gen) * 2
    F7.case("greedy", "sample_greedy", [logits], [logits.argmax(-1).to(torch.int32)], task=1)
    for T in [0.7, 1.5]:
        F7.case(f"temperature{T:g}", "sample_temperature", [logits], [torch.softmax(logits / T, -1)], task=1,
                temperature=T)
    for k in [1, 5]:
        allowed = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, logits.topk(k, -1).indices, True)
        F7.case(f"top_k{k}", "sample_top_k", [logits], [allowed], task=1, temperature=1.0, topK=k)
    for p in [0.5, 0.9]:
        probs, order = torch.softmax(logits, -1).sort(-1, descending=True)
        keep = (probs.cumsum(-1) - probs) < p  # the mass before a token is below p
        allowed = torch.zeros_like(keep).scatter(-1, order, keep)
        F7.case(f"top_p{p:g}", "sample_top_p", [logits], [allowed], task=1, temperature=1.0, topP=p)
    for mp in [0.1, 0.5]:
        probs = torch.softmax(logits, -1)
        allowed = probs >= mp * probs.max(-1, keepdim=True).values
        F7.case(f"min_p{mp:g}", "sample_min_p", [logits], [allowed], task=1, temperature=1.0, minP=mp)
    return F7.write()


if __name__ == "__main__":
    major, minor = (int(p) for p in torch.__version__.split(".")[:2])
    if (major, minor) < (2, 5):
        sys.exit(f"torch {torch.__version__} is too old: enable_gqa and nn.RMSNorm need torch >= 2.5")
    total = sum(make() for make in [make_day1, make_day2, make_day3, make_day4, make_day5, make_day6, make_day7])
    print(f"total: {total} cases (torch {torch.__version__})")
