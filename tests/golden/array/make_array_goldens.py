#!/usr/bin/env python3
"""Golden values for @tiny-llm/array: small inputs and PyTorch-CPU outputs.

Run:  /usr/bin/python3 tests/golden/array/make_array_goldens.py
(needs torch >= 1.13 and numpy; CI never runs it, the .safetensors files are committed).

One safetensors file per op family (elementwise, reduce, matmul, ...). Each file's
`__metadata__.cases` is a JSON list of cases:

    {"id": "add_bcast_3x1_1x4_float16", "op": "add", "params": {...},
     "inputs": ["<tensor name>", ...], "outputs": ["<tensor name>", ...],
     "tol": {"rtol": r, "atol": a}   # optional, overrides the dtype default}

The tests (tests-ref/array/<family>.test.ts) name each case `array_<family>_<id>`.

Oracle semantics for float16 / bfloat16 (exactly what @tiny-llm/array does):
inputs are rounded to the dtype, the op runs in float32 (torch on the float32 upcast),
and the result is rounded to the dtype (round to nearest even). torch 1.13 lacks some
half / bfloat16 CPU kernels, so every float op below runs on float32 upcasts.
Integer results that torch gives as int64 are cast to int32 (the library has no int64).
Everything is deterministic: each family has its own fixed seed.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from golden_writer import Fixture  # noqa: E402

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
torch.set_num_threads(1)

TD = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
FLOATS = ["float32", "float16", "bfloat16"]
SHORT = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}


# --------------------------------------------------------------------------- oracle helpers
def q(x, dt):
    """numpy/float data -> torch tensor rounded to float dtype dt."""
    return torch.from_numpy(np.array(x, dtype=np.float32, order="C")).to(TD[dt])


def up(t):
    return t.float() if t.is_floating_point() else t


def oracle(fn, dt, *ins):
    """Run fn on float32 upcasts of ins; round the (float) result to dt."""
    r = fn(*[up(t) for t in ins])
    if isinstance(r, (tuple, list)):
        return [x.to(TD[dt]) if x.is_floating_point() else x for x in r]
    return r.to(TD[dt]) if r.is_floating_point() else r


def i32(x):
    return torch.from_numpy(np.array(x, dtype=np.int32, order="C"))


def sname(shape):
    return "x".join(str(s) for s in shape) if len(shape) else "scalar"


# --------------------------------------------------------------------------- creation
def make_creation():
    F = Fixture(OUT_DIR, "creation")
    # arange: args as a JS call would pass them; expected dtype from the spec
    # (int32 when all args are integers, else float32). torch computes the values.
    for cid, args, dtype in [
        ("arange_stop5", [5], None),
        ("arange_start2_stop10_step3", [2, 10, 3], None),
        ("arange_neg_step", [5, 0, -1], None),
        ("arange_neg_start", [-4, 3], None),
        ("arange_empty", [0], None),
        ("arange_empty_reversed", [3, 1], None),
        ("arange_float_step", [0, 1, 0.125], None),
        ("arange_float_start", [-1.5, 2], None),
        ("arange_float_neg_step", [2, -1, -0.5], None),
        ("arange_dtype_float16", [0, 6, 1], "float16"),
        ("arange_dtype_float32", [0, 4, 1], "float32"),
        ("arange_dtype_bfloat16", [1, 9, 2], "bfloat16"),
    ]:
        is_int = all(float(a).is_integer() and isinstance(a, int) for a in args)
        out_dt = dtype or ("int32" if is_int else "float32")
        # numpy's arange (torch rejects an empty range with a positive step);
        # both give ceil((stop - start) / step) values start + i * step.
        r = torch.from_numpy(np.arange(*args, dtype=np.float64))
        r = r.to(torch.int32) if out_dt == "int32" else r.float().to(TD[out_dt])
        params = {"args": args}
        if dtype:
            params["dtype"] = dtype
        F.case(cid, "arange", [], [r], **params)
    # creation from typed arrays / fills checked against stored bytes
    F.case("full_2x3_float16", "full", [], [torch.full((2, 3), 1.1).to(torch.float16)], shape=[2, 3], value=1.1, dtype="float16")
    F.case("full_2x3_bfloat16", "full", [], [torch.full((2, 3), 1.1).to(torch.bfloat16)], shape=[2, 3], value=1.1, dtype="bfloat16")
    F.case("full_4_float32", "full", [], [torch.full((4,), 1.1)], shape=[4], value=1.1, dtype="float32")
    F.case("zeros_2x0x3", "zeros", [], [torch.zeros((2, 0, 3))], shape=[2, 0, 3])
    F.case("ones_3_int32", "ones", [], [torch.ones(3, dtype=torch.int32)], shape=[3], dtype="int32")
    return F.write()


# --------------------------------------------------------------------------- elementwise
BIN_SHAPES = [
    ("same_3x4", (3, 4), (3, 4)),
    ("bcast_3x1_1x4", (3, 1), (1, 4)),
    ("bcast_2x3x4_4", (2, 3, 4), (4,)),
    ("scalar0d_2x3", (), (2, 3)),
    ("size0_2x0x3_1x3", (2, 0, 3), (1, 3)),
    ("bcast5d", (2, 1, 3, 1, 2), (1, 4, 1, 2, 1)),
]

TORCH_BIN = {
    "add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "divide": torch.div,
    "power": torch.pow, "maximum": torch.maximum, "minimum": torch.minimum,
    "floorDivide": lambda a, b: torch.div(a, b, rounding_mode="floor"),
    "remainder": torch.remainder,
    "equal": torch.eq, "notEqual": torch.ne, "less": torch.lt, "lessEqual": torch.le,
    "greater": torch.gt, "greaterEqual": torch.ge,
    "logicalAnd": torch.logical_and, "logicalOr": torch.logical_or,
}


def make_elementwise():
    F = Fixture(OUT_DIR, "elementwise")
    rng = np.random.default_rng(1001)

    def data(shape, op, which):
        if op == "power":
            return rng.uniform(0.5, 2.0, shape) if which == 0 else rng.uniform(-2, 2, shape)
        if op in ("divide", "floorDivide", "remainder") and which == 1:
            s = rng.choice([-1.0, 1.0], shape)
            return s * rng.uniform(0.5, 2.0, shape)
        return rng.uniform(-3, 3, shape)

    # float binary ops
    for op in ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum",
               "floorDivide", "remainder"]:
        shapes = BIN_SHAPES if op in ("add", "multiply") else [BIN_SHAPES[1], BIN_SHAPES[2]]
        for tag, sa, sb in shapes:
            a32, b32 = data(sa, op, 0), data(sb, op, 1)
            for dt in FLOATS:
                a, b = q(a32, dt), q(b32, dt)
                F.case(f"{op}_{tag}_{dt}", op, [a, b], [oracle(TORCH_BIN[op], dt, a, b)])
    # float16 quirks: overflow to inf, subnormal results
    a = q([60000.0, 1e-4, -60000.0, 2.0], "float16")
    b = q([20000.0, 1e-4, -20000.0, 3.0], "float16")
    F.case("add_overflow_inf_float16", "add", [a, b], [oracle(torch.add, "float16", a, b)])
    F.case("multiply_subnormal_float16", "multiply", [a, b], [oracle(torch.mul, "float16", a, b)])

    # comparisons (values on a coarse grid so that ties happen), float and int32
    for op in ["equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"]:
        for tag, sa, sb in [BIN_SHAPES[1], BIN_SHAPES[3], BIN_SHAPES[5]]:
            a32 = rng.integers(-2, 3, sa).astype(np.float32) / 2
            b32 = rng.integers(-2, 3, sb).astype(np.float32) / 2
            for dt in FLOATS:
                a, b = q(a32, dt), q(b32, dt)
                F.case(f"{op}_{tag}_{dt}", op, [a, b], [TORCH_BIN[op](up(a), up(b))])
            ai, bi = i32(a32 * 2), i32(b32 * 2)
            F.case(f"{op}_{tag}_int32", op, [ai, bi], [TORCH_BIN[op](ai, bi)])
    # a comparison where rounding to bfloat16 makes two different float32 values equal
    a = q([1.0, 1.001, 2.0], "bfloat16")
    b = q([1.002, 1.0, 2.01], "bfloat16")
    F.case("equal_rounded_inputs_bfloat16", "equal", [a, b], [torch.eq(up(a), up(b))])

    # logical ops on bool
    for op in ["logicalAnd", "logicalOr"]:
        a = torch.from_numpy(rng.integers(0, 2, (3, 1)).astype(bool))
        b = torch.from_numpy(rng.integers(0, 2, (1, 4)).astype(bool))
        F.case(f"{op}_bcast_3x1_1x4_bool", op, [a, b], [TORCH_BIN[op](a, b)])

    # integer arithmetic (int64 math in torch, cast to int32); divide -> float32
    for op in ["add", "subtract", "multiply", "maximum", "minimum", "floorDivide", "remainder", "divide"]:
        a = i32(rng.integers(-20, 21, (2, 3, 4)))
        bn = rng.integers(1, 6, (4,)) * rng.choice([-1, 1], (4,))
        b = i32(bn)
        r = TORCH_BIN[op](a.long(), b.long())
        r = r.float() if op == "divide" else r.int()
        F.case(f"{op}_bcast_2x3x4_4_int32", op, [a, b], [r])
    a = i32(rng.integers(-3, 4, (3, 4)))
    b = i32(rng.integers(0, 4, (3, 4)))
    F.case("power_same_3x4_int32", "power", [a, b], [torch.pow(a.long(), b.long()).int()])
    a = torch.from_numpy(rng.integers(0, 100, (3, 4)).astype(np.uint8))
    b = torch.from_numpy(rng.integers(0, 100, (1, 4)).astype(np.uint8))
    F.case("add_bcast_3x4_1x4_uint8", "add", [a, b], [torch.add(a, b)])
    F.case("maximum_bcast_3x4_1x4_uint8", "maximum", [a, b], [torch.maximum(a, b)])

    # type promotion (small integer values so that every path is exact)
    vals = rng.integers(-4, 5, (2, 3)).astype(np.float32)
    pos = rng.integers(0, 9, (2, 3))
    pro = [
        ("float16_bfloat16", q(vals, "float16"), q(vals.T.copy().T * 0.5, "bfloat16"), "float32"),
        ("int32_float16", i32(vals), q(vals * 0.25, "float16"), "float16"),
        ("bfloat16_int32", q(vals * 0.25, "bfloat16"), i32(vals), "bfloat16"),
        ("int32_float32", i32(vals), q(vals * 0.5, "float32"), "float32"),
        ("bool_float16", torch.from_numpy(vals > 0), q(vals, "float16"), "float16"),
        ("bool_int32", torch.from_numpy(vals > 0), i32(vals), "int32"),
        ("uint8_int32", torch.from_numpy(pos.astype(np.uint8)), i32(vals), "int32"),
        ("int32_uint32", i32(vals), pos.astype(np.uint32), "int32"),
        ("uint32_uint32", pos.astype(np.uint32), (pos * 3).astype(np.uint32), "uint32"),
    ]
    for tag, a, b, out_dt in pro:
        an = a.float().numpy().astype(np.float64) if isinstance(a, torch.Tensor) else a.astype(np.float64)
        bn = b.float().numpy().astype(np.float64) if isinstance(b, torch.Tensor) else b.astype(np.float64)
        r = an + bn
        if out_dt in TD:
            r = q(r, out_dt)
        else:
            r = r.astype({"int32": np.int32, "uint32": np.uint32}[out_dt])
        F.case(f"add_promote_{tag}", "add", [a, b], [r])

    # weak JS-number operands (values exact in every float dtype)
    base = rng.uniform(-2, 2, (2, 3)).astype(np.float32)
    for dt in FLOATS:
        a = q(base, dt)
        F.case(f"add_scalar_right_{dt}", "add", [a], [oracle(lambda x: x + 0.5, dt, a)], scalar=0.5, side="right")
        F.case(f"subtract_scalar_left_{dt}", "subtract", [a], [oracle(lambda x: 3 - x, dt, a)], scalar=3, side="left")
        F.case(f"multiply_scalar_right_{dt}", "multiply", [a], [oracle(lambda x: x * -1.5, dt, a)], scalar=-1.5, side="right")
        F.case(f"greater_scalar_right_{dt}", "greater", [a], [up(a) > 0.25], scalar=0.25, side="right")
    ai = i32(rng.integers(-5, 6, (2, 3)))
    F.case("add_scalar_int_right_int32", "add", [ai], [(ai + 2).int()], scalar=2, side="right")
    F.case("add_scalar_float_right_int32", "add", [ai], [ai.float() + 2.5], scalar=2.5, side="right")
    F.case("multiply_scalar_int_left_int32", "multiply", [ai], [(ai * -3).int()], scalar=-3, side="left")
    F.case("divide_scalar_int_right_int32", "divide", [ai], [ai.float() / 2], scalar=2, side="right")

    # unary math
    dom = {
        "negative": (-3, 3), "abs": (-3, 3), "square": (-3, 3), "sign": (-3, 3),
        "floor": (-3, 3), "ceil": (-3, 3), "exp": (-4, 4), "log": (0.05, 5),
        "sqrt": (0, 5), "rsqrt": (0.1, 5), "sin": (-4, 4), "cos": (-4, 4),
        "tanh": (-4, 4), "sigmoid": (-8, 8), "reciprocal": (0.2, 3), "silu": (-6, 6),
    }
    tfn = {
        "negative": torch.neg, "abs": torch.abs, "square": torch.square, "sign": torch.sign,
        "floor": torch.floor, "ceil": torch.ceil, "exp": torch.exp, "log": torch.log,
        "sqrt": torch.sqrt, "rsqrt": torch.rsqrt, "sin": torch.sin, "cos": torch.cos,
        "tanh": torch.tanh, "sigmoid": torch.sigmoid, "reciprocal": torch.reciprocal,
        "silu": torch.nn.functional.silu,
    }
    for op, (lo, hi) in dom.items():
        x32 = rng.uniform(lo, hi, (3, 5)).astype(np.float32)
        if op in ("sign", "floor", "ceil", "abs"):
            x32[0, :3] = [0.0, -2.0, 2.0]  # exact integers and zero
        if op == "reciprocal":
            x32[1] *= -1
        for dt in FLOATS:
            x = q(x32, dt)
            F.case(f"{op}_3x5_{dt}", op, [x], [oracle(tfn[op], dt, x)])
    # unary on int32: sign-preserving ops stay int32, transcendental ones -> float32
    xi = i32(rng.integers(-5, 6, (2, 4)))
    for op in ["negative", "abs", "square", "sign"]:
        F.case(f"{op}_2x4_int32", op, [xi], [tfn[op](xi.long()).int()])
    xp = i32(rng.integers(1, 9, (2, 4)))
    for op in ["exp", "log", "sqrt", "sin", "sigmoid"]:
        F.case(f"{op}_2x4_int32", op, [xp], [tfn[op](xp.float())])
    # unary on a 0-d and a size-0 array
    F.case("exp_0d_float32", "exp", [torch.tensor(0.5)], [torch.exp(torch.tensor(0.5))])
    F.case("exp_size0_float32", "exp", [torch.zeros(0, 3)], [torch.zeros(0, 3)])
    # logicalNot, isnan
    b = torch.tensor([[True, False, True], [False, False, True]])
    F.case("logicalNot_2x3_bool", "logicalNot", [b], [~b])
    x = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), 0.0])
    for dt in FLOATS:
        F.case(f"isnan_{dt}", "isnan", [x.to(TD[dt])], [torch.isnan(x)])
    # special values through exp/log
    x = torch.tensor([0.0, -float("inf"), float("inf"), 100.0, -100.0])
    for dt in FLOATS:
        xx = x.to(TD[dt])
        F.case(f"exp_special_{dt}", "exp", [xx], [oracle(torch.exp, dt, xx)])
    x = torch.tensor([0.0, 1.0, float("inf")])
    F.case("log_special_float32", "log", [x], [torch.log(x)])

    # where (broadcast cond / a / b, numbers for a or b)
    c = torch.from_numpy(rng.integers(0, 2, (3, 1)).astype(bool))
    for dt in FLOATS:
        a = q(rng.uniform(-2, 2, (1, 4)), dt)
        bb = q(rng.uniform(-2, 2, ()), dt)
        F.case(f"where_bcast_3x1_1x4_0d_{dt}", "where", [c, a, bb], [torch.where(c, up(a), up(bb)).to(TD[dt])])
        F.case(f"where_scalar_b_{dt}", "where", [c, a], [torch.where(c, up(a), torch.tensor(-1.5)).to(TD[dt])], b=-1.5)
    c5 = torch.from_numpy(rng.integers(0, 2, (2, 1, 3, 1, 2)).astype(bool))
    a5 = q(rng.uniform(-2, 2, (1, 4, 1, 2, 1)), "float32")
    F.case("where_5d_float32", "where", [c5, a5, torch.tensor(0.0)], [torch.where(c5, a5, torch.tensor(0.0))])
    ai, bi = i32(rng.integers(-5, 5, (3, 4))), i32(rng.integers(-5, 5, (3, 4)))
    F.case("where_same_3x4_int32", "where", [c, ai, bi], [torch.where(c, ai, bi)])
    F.case("where_scalars_ab_float32", "where", [c], [torch.where(c, torch.tensor(1.5), torch.tensor(-0.5)).expand(3, 1).contiguous()], a=1.5, b=-0.5)
    return F.write()


# --------------------------------------------------------------------------- reductions
def make_reduce():
    F = Fixture(OUT_DIR, "reduce")
    rng = np.random.default_rng(2002)
    axis_cfgs = [
        ("all", None, False), ("all_keepdims", None, True), ("axis0", 0, False),
        ("axis_neg1_keepdims", -1, True), ("axis1", 1, False),
        ("axes_0_2", [0, 2], False), ("axes_neg1_neg3_keepdims", [-1, -3], True),
    ]

    def dims(axis, nd):
        if axis is None:
            return list(range(nd))
        ax = axis if isinstance(axis, list) else [axis]
        return sorted(a % nd for a in ax)

    def treduce(op, x, axis, keepdims):
        d = dims(axis, x.ndim)
        if op == "sum":
            return torch.sum(x, dim=d, keepdim=keepdims)
        if op == "mean":
            return torch.mean(x, dim=d, keepdim=keepdims)
        if op == "logsumexp":
            return torch.logsumexp(x, dim=d, keepdim=keepdims)
        r = x
        for a in sorted(d, reverse=True):
            r = {"prod": lambda t: torch.prod(t, a, keepdim=True),
                 "max": lambda t: torch.amax(t, a, keepdim=True),
                 "min": lambda t: torch.amin(t, a, keepdim=True),
                 "any": lambda t: torch.any(t, a, keepdim=True),
                 "all": lambda t: torch.all(t, a, keepdim=True)}[op](r)
        if not keepdims:
            r = r.reshape([s for i, s in enumerate(x.shape) if i not in d])
        return r

    for op in ["sum", "mean", "prod", "max", "min", "logsumexp"]:
        lo, hi = (0.6, 1.5) if op == "prod" else (-3, 3)
        x32 = rng.uniform(lo, hi, (2, 3, 4))
        for tag, axis, kd in axis_cfgs:
            for dt in FLOATS:
                x = q(x32, dt)
                F.case(f"{op}_{tag}_{dt}", op, [x], [oracle(lambda t: treduce(op, t, axis, kd), dt, x)],
                       tol={"rtol": 1e-5, "atol": 1e-5} if dt == "float32" else None,
                       axis=axis, keepdims=kd)
    # integer / bool reductions
    xi = i32(rng.integers(-5, 6, (2, 3, 4)))
    for op in ["sum", "prod", "max", "min"]:
        for tag, axis, kd in [axis_cfgs[0], axis_cfgs[3], axis_cfgs[5]]:
            F.case(f"{op}_{tag}_int32", op, [xi], [treduce(op, xi.long(), axis, kd).int()], axis=axis, keepdims=kd)
    for tag, axis, kd in [axis_cfgs[0], axis_cfgs[2]]:
        F.case(f"mean_{tag}_int32", "mean", [xi], [treduce("mean", xi.float(), axis, kd)], axis=axis, keepdims=kd)
    xb = torch.from_numpy(rng.integers(0, 2, (3, 4)).astype(bool))
    xb[0, :] = True
    xb[1, :] = False
    for op in ["any", "all"]:
        for tag, axis, kd in [("all", None, False), ("axis0", 0, False), ("axis_neg1_keepdims", -1, True)]:
            F.case(f"{op}_{tag}_bool", op, [xb], [treduce(op, xb, axis, kd)], axis=axis, keepdims=kd)
    F.case("sum_all_bool", "sum", [xb], [xb.sum().int()], axis=None, keepdims=False)
    F.case("sum_axis1_bool", "sum", [xb], [xb.sum(1).int()], axis=1, keepdims=False)
    # any/all over a float input
    xf = torch.tensor([[0.0, 0.0, 1.5], [0.0, 0.0, 0.0]])
    F.case("any_axis_neg1_float32", "any", [xf], [xf.bool().any(-1)], axis=-1, keepdims=False)
    # size-0 and 0-d
    z = torch.zeros(2, 0, 3)
    F.case("sum_size0_axis1_float32", "sum", [z], [z.sum(1)], axis=1, keepdims=False)
    F.case("sum_size0_all_float32", "sum", [z], [z.sum()], axis=None, keepdims=False)
    F.case("sum_size0_axis0_float32", "sum", [z], [z.sum(0)], axis=0, keepdims=False)
    F.case("prod_size0_axis1_float32", "prod", [z], [z.prod(1)], axis=1, keepdims=False)
    s = torch.tensor(2.5)
    F.case("sum_0d_float32", "sum", [s], [s.sum()], axis=None, keepdims=False)
    # logsumexp with large values and -inf (stability)
    x = torch.tensor([[1000.0, 1000.0, 999.0], [-float("inf"), 0.0, -float("inf")], [-1000.0, -1001.0, -1000.5]])
    for dt in ["float32", "bfloat16"]:
        xx = x.to(TD[dt])
        F.case(f"logsumexp_stable_axis_neg1_{dt}", "logsumexp", [xx],
               [oracle(lambda t: torch.logsumexp(t, -1), dt, xx)], axis=-1, keepdims=False)
    # argmax / argmin (numpy: first occurrence on ties)
    x32 = rng.uniform(-3, 3, (3, 4, 5))
    for op in ["argmax", "argmin"]:
        for dt in FLOATS:
            x = q(x32, dt)
            xn = up(x).numpy()
            f = np.argmax if op == "argmax" else np.argmin
            for tag, axis, kd in [("all", None, False), ("axis0", 0, False), ("axis_neg1_keepdims", -1, True), ("axis1", 1, False)]:
                r = f(xn, axis=axis)
                if kd:
                    r = np.expand_dims(r, axis)
                F.case(f"{op}_{tag}_{dt}", op, [x], [np.asarray(r, dtype=np.int32)], axis=axis, keepdims=kd)
    xt = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0]])
    for op, f in [("argmax", np.argmax), ("argmin", np.argmin)]:
        F.case(f"{op}_ties_axis_neg1_float32", op, [xt], [np.asarray(f(xt.numpy(), axis=-1), np.int32)], axis=-1, keepdims=False)
    F.case("argmax_axis0_int32", "argmax", [xi], [np.asarray(np.argmax(xi.numpy(), 0), np.int32)], axis=0, keepdims=False)

    # softmax
    x32 = rng.uniform(-4, 4, (2, 3, 5))
    for dt in FLOATS:
        x = q(x32, dt)
        for tag, axis in [("axis_neg1", -1), ("axis0", 0), ("axis1", 1), ("axes_1_2", [1, 2])]:
            if isinstance(axis, list):
                fn = lambda t: torch.softmax(t.reshape(2, 15), -1).reshape(2, 3, 5)
            else:
                fn = lambda t, a=axis: torch.softmax(t, a)
            F.case(f"softmax_{tag}_{dt}", "softmax", [x], [oracle(fn, dt, x)], axis=axis)
    # large offsets and masked (-inf) entries, like a causal mask
    x = torch.tensor([[1000.0, 1001.0, 999.0, 1000.5], [0.0, -float("inf"), 1.0, -float("inf")],
                      [-1000.0, -1000.0, -1000.0, -1000.0]])
    for dt in FLOATS:
        xx = x.to(TD[dt])
        F.case(f"softmax_stable_masked_{dt}", "softmax", [xx], [oracle(lambda t: torch.softmax(t, -1), dt, xx)], axis=-1)
    F.case("softmax_int32_to_float32", "softmax", [i32([[1, 2, 3]])], [torch.softmax(torch.tensor([[1.0, 2, 3]]), -1)], axis=-1)

    # scans: cumsum / cumprod / cummax / cummin
    x32 = rng.uniform(-2, 2, (3, 4))
    xp32 = rng.uniform(0.5, 1.5, (3, 4))

    def tscan(op, t, axis, reverse):
        if axis is None:
            t = t.reshape(-1)
            axis = 0
        if reverse:
            t = torch.flip(t, [axis])
        r = {"cumsum": lambda: torch.cumsum(t, axis), "cumprod": lambda: torch.cumprod(t, axis),
             "cummax": lambda: torch.cummax(t, axis)[0], "cummin": lambda: torch.cummin(t, axis)[0]}[op]()
        if reverse:
            r = torch.flip(r, [axis])
        return r

    for op in ["cumsum", "cumprod", "cummax", "cummin"]:
        src = xp32 if op == "cumprod" else x32
        cfgs = [("axis0", 0, False), ("axis_neg1", -1, False), ("flat", None, False), ("axis1_reverse", 1, True)]
        for tag, axis, rev in cfgs:
            for dt in FLOATS:
                x = q(src, dt)
                F.case(f"{op}_{tag}_{dt}", op, [x], [oracle(lambda t: tscan(op, t, axis, rev), dt, x)],
                       axis=axis, reverse=rev)
    xi2 = i32(rng.integers(-5, 6, (3, 4)))
    for op in ["cumsum", "cummax"]:
        for tag, axis, rev in [("axis1", 1, False), ("axis0_reverse", 0, True)]:
            F.case(f"{op}_{tag}_int32", op, [xi2], [tscan(op, xi2.long(), axis, rev).int()], axis=axis, reverse=rev)
    return F.write()


# --------------------------------------------------------------------------- matmul
def make_matmul():
    F = Fixture(OUT_DIR, "matmul")
    rng = np.random.default_rng(3003)
    cases = [
        ("2d_3x4_4x5", (3, 4), (4, 5), None),
        ("2d_1x7_7x1", (1, 7), (7, 1), None),
        ("2d_odd_33x65_65x17", (33, 65), (65, 17), None),
        ("gemv_1x128_128x40", (1, 128), (128, 40), None),
        ("batched_2x3x4_2x4x5", (2, 3, 4), (2, 4, 5), None),
        ("bcast_batch_2x1x3x4_3x4x5", (2, 1, 3, 4), (3, 4, 5), None),
        ("bcast_batch_3x4_2x4x5", (3, 4), (2, 4, 5), None),
        ("vec_mat_4_4x5", (4,), (4, 5), None),
        ("mat_vec_3x4_4", (3, 4), (4,), None),
        ("vec_vec_6_6", (6,), (6,), None),
        ("vec_batched_4_2x4x3", (4,), (2, 4, 3), None),
        ("transposed_a_3x4_4x5", (4, 3), (4, 5), "a"),
        ("transposed_b_3x4_4x5", (3, 4), (5, 4), "b"),
        ("transposed_both_2x3x4_2x4x5", (2, 4, 3), (2, 5, 4), "ab"),
        ("k0_3x0_0x4", (3, 0), (0, 4), None),
        ("m0_0x4_4x5", (0, 4), (4, 5), None),
        # Past the GEMM's cache blocks (K > 256, M > 144) and the small-M paths with a
        # transposed weight (x @ W.T), as linear layers call it.
        ("blocked_150x300_300x40", (150, 300), (300, 40), None),
        ("linear_1x600_wT_70x600", (1, 600), (70, 600), "b"),
        ("linear_5x520_wT_33x520", (5, 520), (33, 520), "b"),
        ("linear_20x300_wT_50x300", (20, 300), (50, 300), "b"),
    ]
    for tag, sa, sb, tr in cases:
        a32, b32 = rng.uniform(-1, 1, sa), rng.uniform(-1, 1, sb)
        for dt in FLOATS:
            a, b = q(a32, dt), q(b32, dt)

            def fn(x, y, tr=tr):
                if tr and "a" in tr:
                    x = x.transpose(-1, -2)
                if tr and "b" in tr:
                    y = y.transpose(-1, -2)
                return torch.matmul(x.double(), y.double()).float()
            k = sa[0] if tr and "a" in tr else sa[-1]
            tol = {"rtol": 1e-5, "atol": 1e-6 * max(4, k)} if dt == "float32" else None
            F.case(f"{tag}_{dt}", "matmul", [a, b], [oracle(fn, dt, a, b)], tol=tol, transpose=tr or "")
    return F.write()


# --------------------------------------------------------------------------- shape / indexing
def make_shape():
    F = Fixture(OUT_DIR, "shape")
    rng = np.random.default_rng(4004)
    x = torch.from_numpy(rng.uniform(-2, 2, (2, 3, 4)).astype(np.float32))
    F.case("reshape_2x3x4_to_4x6", "reshape", [x], [x.reshape(4, 6)], shape=[4, 6])
    F.case("reshape_neg1", "reshape", [x], [x.reshape(3, -1)], shape=[3, -1])
    F.case("reshape_to_0d", "reshape", [torch.tensor([7.0])], [torch.tensor(7.0)], shape=[])
    F.case("reshape_size0", "reshape", [torch.zeros(2, 0, 3)], [torch.zeros(0, 6)], shape=[0, 6])
    F.case("flatten", "flatten", [x], [x.reshape(-1)])
    F.case("transpose_default", "transpose", [x], [x.permute(2, 1, 0)], axes=None)
    F.case("transpose_axes_1_0_2", "transpose", [x], [x.permute(1, 0, 2)], axes=[1, 0, 2])
    F.case("transpose_axes_neg", "transpose", [x], [x.permute(2, 0, 1)], axes=[-1, 0, -2])
    F.case("swapaxes_0_2", "swapaxes", [x], [x.transpose(0, 2)], axis1=0, axis2=2)
    F.case("swapaxes_neg1_neg2", "swapaxes", [x], [x.transpose(-1, -2)], axis1=-1, axis2=-2)
    F.case("moveaxis_0_neg1", "moveaxis", [x], [torch.movedim(x, 0, -1)], source=0, destination=-1)
    F.case("expandDims_1", "expandDims", [x], [x.unsqueeze(1)], axis=1)
    F.case("expandDims_neg1", "expandDims", [x], [x.unsqueeze(-1)], axis=-1)
    F.case("expandDims_list_0_3", "expandDims", [x], [x.unsqueeze(0).unsqueeze(3)], axis=[0, 3])
    y = torch.from_numpy(rng.uniform(-2, 2, (1, 3, 1, 2)).astype(np.float32))
    F.case("squeeze_all", "squeeze", [y], [y.reshape(3, 2)], axis=None)
    F.case("squeeze_axis2", "squeeze", [y], [y.reshape(1, 3, 2)], axis=2)
    F.case("squeeze_axes_0_neg2", "squeeze", [y], [y.reshape(3, 2)], axis=[0, -2])
    z = torch.from_numpy(rng.uniform(-2, 2, (3, 1)).astype(np.float32))
    F.case("broadcastTo_3x1_to_2x3x4", "broadcastTo", [z], [z.expand(2, 3, 4).contiguous()], shape=[2, 3, 4])
    F.case("broadcastTo_0d_to_2x2", "broadcastTo", [torch.tensor(3.0)], [torch.full((2, 2), 3.0)], shape=[2, 2])
    # view then copy: transpose + reshape (non-contiguous source), in several dtypes
    for dt, t in [("float32", x), ("bfloat16", x.to(torch.bfloat16)), ("float16", x.to(torch.float16)),
                  ("int32", (x * 10).int()), ("uint8", (x * 10 + 30).to(torch.uint8)), ("bool", x > 0)]:
        F.case(f"transpose_reshape_{dt}", "transpose_reshape", [t], [t.permute(2, 0, 1).reshape(4, 6)],
               axes=[2, 0, 1], shape=[4, 6])
    # concatenate / stack / split
    a = torch.from_numpy(rng.uniform(-2, 2, (2, 3)).astype(np.float32))
    b = torch.from_numpy(rng.uniform(-2, 2, (1, 3)).astype(np.float32))
    c = torch.zeros(0, 3)
    F.case("concatenate_axis0_with_size0", "concatenate", [a, b, c], [torch.cat([a, b, c], 0)], axis=0)
    d = torch.from_numpy(rng.uniform(-2, 2, (2, 2)).astype(np.float32))
    F.case("concatenate_axis1", "concatenate", [a, d], [torch.cat([a, d], 1)], axis=1)
    F.case("concatenate_axis_neg1", "concatenate", [a, d], [torch.cat([a, d], -1)], axis=-1)
    for dt in ["float16", "bfloat16", "int32"]:
        aa, dd = (a.to(TD[dt]), d.to(TD[dt])) if dt in TD else ((a * 10).int(), (d * 10).int())
        F.case(f"concatenate_axis1_{dt}", "concatenate", [aa, dd], [torch.cat([aa, dd], 1)], axis=1)
    e = torch.from_numpy(rng.uniform(-2, 2, (2, 3)).astype(np.float32))
    for axis in [0, 1, 2, -1]:
        F.case(f"stack_axis{'_neg1' if axis < 0 else axis}", "stack", [a, e], [torch.stack([a, e], axis)], axis=axis)
    F.case("stack_0d", "stack", [torch.tensor(1.0), torch.tensor(2.0)], [torch.tensor([1.0, 2.0])], axis=0)
    w = torch.from_numpy(rng.uniform(-2, 2, (6, 4)).astype(np.float32))
    F.case("split_sections3_axis0", "split", [w], list(torch.split(w, 2, 0)), sections=3, axis=0)
    F.case("split_sections2_axis1", "split", [w], list(torch.split(w, 2, 1)), sections=2, axis=1)
    F.case("split_indices_axis0", "split", [w], [w[:1], w[1:4], w[4:]], sections=[1, 4], axis=0)
    F.case("split_indices_empty_part", "split", [w], [w[:, :2], w[:, 2:2], w[:, 2:]], sections=[2, 2], axis=-1)
    # triu / tril
    m = torch.from_numpy(rng.uniform(-2, 2, (4, 5)).astype(np.float32))
    mb = torch.from_numpy(rng.uniform(-2, 2, (2, 3, 4)).astype(np.float32))
    for k in [0, 1, -1, 3]:
        kt = f"k{k}" if k >= 0 else f"k_neg{-k}"
        F.case(f"triu_4x5_{kt}", "triu", [m], [torch.triu(m, k)], k=k)
        F.case(f"tril_4x5_{kt}", "tril", [m], [torch.tril(m, k)], k=k)
    F.case("triu_batched_2x3x4", "triu", [mb], [torch.triu(mb)], k=0)
    F.case("tril_batched_2x3x4_k_neg1", "tril", [mb], [torch.tril(mb, -1)], k=-1)
    F.case("tril_bfloat16", "tril", [m.to(torch.bfloat16)], [torch.tril(m.to(torch.bfloat16).float()).to(torch.bfloat16)], k=0)
    F.case("triu_bool", "triu", [m > 0], [torch.triu(m > 0)], k=0)
    # take / takeAlongAxis
    idx = i32([2, 0, 1, 2])
    F.case("take_flat_indices", "take", [x, i32([0, 23, 5, 5])], [x.reshape(-1)[[0, 23, 5, 5]]], axis=None)
    F.case("take_axis0", "take", [w, idx], [w[idx.long()]], axis=0)
    F.case("take_axis_neg1", "take", [x, i32([3, 0])], [x[:, :, [3, 0]]], axis=-1)
    idx2 = i32([[1, 0], [4, 5]])
    F.case("take_axis0_2d_indices", "take", [w, idx2], [w[idx2.long()]], axis=0)
    F.case("take_scalar_index_axis1", "take", [x, torch.tensor(2, dtype=torch.int32)], [x[:, 2]], axis=1)
    F.case("take_uint32_indices", "take", [w, np.array([5, 1], np.uint32)], [w[[5, 1]]], axis=0)
    F.case("take_empty_indices", "take", [w, i32(np.zeros((0,), np.int32))], [w[:0]], axis=0)
    emb = torch.from_numpy(rng.uniform(-1, 1, (10, 4)).astype(np.float32)).to(torch.bfloat16)
    tok = i32([[3, 9, 0], [3, 3, 1]])
    F.case("take_embedding_bfloat16", "take", [emb, tok], [emb[tok.long()]], axis=0)
    ta = i32(rng.integers(0, 4, (2, 3, 2)))
    F.case("takeAlongAxis_axis_neg1", "takeAlongAxis", [x, ta], [torch.gather(x, -1, ta.long())], axis=-1)
    ta0 = i32(rng.integers(0, 2, (1, 3, 4)))
    F.case("takeAlongAxis_axis0_bcast", "takeAlongAxis", [x, ta0], [torch.gather(x, 0, ta0.long())], axis=0)
    # slicing, numpy semantics (numpy computes the expected values)
    xn = rng.uniform(-2, 2, (4, 5, 6)).astype(np.float32)
    s = [
        ("int", [1]), ("int_neg", [-1]), ("range", ["1:3"]), ("open_start", [":2", "1:"]),
        ("step2", ["::2", ":", "1::3"]), ("reverse", ["::-1"]), ("reverse_inner", [":", "::-1"]),
        ("neg_bounds", ["-3:", ":-1"]), ("neg_step_bounds", ["3:0:-2"]), ("ellipsis_last", ["...", 0]),
        ("ellipsis_mid", [1, "...", "2:4"]), ("newaxis", [None, ":", None]), ("int_int_int", [1, 2, 3]),
        ("empty_range", ["2:2"]), ("mixed", [-2, "::-2", 4]),
    ]
    for tag, specs in s:
        idxs = []
        for sp in specs:
            if sp is None:
                idxs.append(None)
            elif sp == "...":
                idxs.append(Ellipsis)
            elif isinstance(sp, int):
                idxs.append(sp)
            else:
                parts = [int(p) if p else None for p in sp.split(":")]
                idxs.append(slice(*parts))
        r = xn[tuple(idxs)]
        F.case(f"slice_{tag}", "slice", [xn], [np.array(r, order="C")], specs=specs)
    F.case("slice_then_reshape", "slice_reshape", [xn], [np.ascontiguousarray(xn[:, 1::2, ::-1]).reshape(-1, 3)],
           specs=[":", "1::2", "::-1"], shape=[-1, 3])
    return F.write()


# --------------------------------------------------------------------------- sort
def make_sort():
    F = Fixture(OUT_DIR, "sort")
    rng = np.random.default_rng(5005)
    x32 = rng.uniform(-3, 3, (3, 6))
    xt32 = rng.integers(-2, 3, (3, 8)).astype(np.float32)  # many ties
    for dt in FLOATS:
        for src, stag in [(x32, ""), (xt32, "_ties")]:
            x = q(src, dt)
            xn = up(x).numpy()
            for axis in [-1, 0]:
                at = "axis_neg1" if axis == -1 else "axis0"
                F.case(f"sort{stag}_{at}_{dt}", "sort", [x], [x.float().sort(dim=axis, stable=True)[0].to(TD[dt])], axis=axis)
                F.case(f"argsort{stag}_{at}_{dt}", "argsort", [x],
                       [np.argsort(xn, axis=axis, kind="stable").astype(np.int32)], axis=axis)
            for k, axis in [(1, -1), (3, -1), (2, 0), (6, -1)]:
                at = "axis_neg1" if axis == -1 else "axis0"
                F.case(f"topk{stag}_k{k}_{at}_{dt}", "topk", [x],
                       [torch.topk(x.float(), k, axis, largest=True, sorted=True)[0].to(TD[dt])], k=k, axis=axis)
    xi = i32(rng.integers(-10, 10, (2, 7)))
    F.case("sort_axis_neg1_int32", "sort", [xi], [xi.sort(dim=-1, stable=True)[0]], axis=-1)
    F.case("argsort_axis_neg1_int32", "argsort", [xi], [np.argsort(xi.numpy(), -1, kind="stable").astype(np.int32)], axis=-1)
    F.case("topk_k3_axis_neg1_int32", "topk", [xi], [torch.topk(xi.long(), 3, -1)[0].int()], k=3, axis=-1)
    x3 = q(rng.uniform(-3, 3, (2, 3, 4)), "float32")
    F.case("sort_3d_axis1_float32", "sort", [x3], [x3.sort(1)[0]], axis=1)
    F.case("argsort_3d_axis1_float32", "argsort", [x3], [np.argsort(x3.numpy(), 1, kind="stable").astype(np.int32)], axis=1)
    xs = torch.tensor([3.0, -float("inf"), 0.0, float("inf"), -0.5])
    F.case("sort_infs_float32", "sort", [xs], [xs.sort()[0]], axis=-1)
    F.case("sort_size0_float32", "sort", [torch.zeros(2, 0)], [torch.zeros(2, 0)], axis=-1)
    return F.write()


# --------------------------------------------------------------------------- astype
def make_astype():
    F = Fixture(OUT_DIR, "astype")
    # float32 -> float16 / bfloat16 rounding: ties to even, overflow, subnormals, specials
    vals = np.array([0.0, -0.0, 1.0, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8,
                     65504.0, 65520.0, 1e6, -1e6, 6e-8, 1e-5, 3.14159265, -2.71828,
                     float("inf"), -float("inf"), 1e-40, 3.0e38], dtype=np.float32)
    x = torch.from_numpy(vals)
    F.case("float32_to_float16", "astype", [x], [x.to(torch.float16)], dtype="float16")
    F.case("float32_to_bfloat16", "astype", [x], [x.to(torch.bfloat16)], dtype="bfloat16")
    h = x.to(torch.float16)
    bf = x.to(torch.bfloat16)
    F.case("float16_to_float32", "astype", [h], [h.float()], dtype="float32")
    F.case("bfloat16_to_float32", "astype", [bf], [bf.float()], dtype="float32")
    F.case("float16_to_bfloat16", "astype", [h], [h.float().to(torch.bfloat16)], dtype="bfloat16")
    F.case("bfloat16_to_float16", "astype", [bf], [bf.float().to(torch.float16)], dtype="float16")
    F.case("nan_float32_to_float16", "astype", [torch.tensor([float("nan"), 1.0])], [torch.tensor([float("nan"), 1.0]).half()], dtype="float16")
    F.case("nan_float32_to_bfloat16", "astype", [torch.tensor([float("nan"), 1.0])], [torch.tensor([float("nan"), 1.0]).bfloat16()], dtype="bfloat16")
    # float -> int truncates toward zero (C semantics, as torch); in-range values only
    f = torch.tensor([[-2.7, -0.5, 0.0, 0.5, 2.7], [100.9, -100.9, 7.0, 1e6, -3.0]])
    F.case("float32_to_int32", "astype", [f], [f.int()], dtype="int32")
    F.case("bfloat16_to_int32", "astype", [f.bfloat16()], [f.bfloat16().float().int()], dtype="int32")
    fu = torch.tensor([0.0, 1.9, 254.5, 255.0, 17.2])
    F.case("float32_to_uint8", "astype", [fu], [fu.to(torch.uint8)], dtype="uint8")
    fp = np.array([0.0, 1.9, 4e9, 65536.5], np.float32)
    F.case("float32_to_uint32", "astype", [fp], [fp.astype(np.uint32)], dtype="uint32")
    F.case("float32_to_bool", "astype", [f], [f != 0], dtype="bool")
    i = i32([[-5, 0, 3], [2 ** 24 + 1, -(2 ** 24) - 1, 100000]])
    F.case("int32_to_float32", "astype", [i], [i.float()], dtype="float32")
    F.case("int32_to_float16", "astype", [i32([[-5, 0, 3], [2049, 70000, -1000]])],
           [i32([[-5, 0, 3], [2049, 70000, -1000]]).float().half()], dtype="float16")
    F.case("int32_to_bfloat16", "astype", [i], [i.float().bfloat16()], dtype="bfloat16")
    F.case("int32_to_bool", "astype", [i], [i != 0], dtype="bool")
    F.case("int32_to_uint8_in_range", "astype", [i32([0, 7, 255])], [torch.tensor([0, 7, 255], dtype=torch.uint8)], dtype="uint8")
    F.case("int32_to_uint32_nonneg", "astype", [i32([0, 7, 2 ** 31 - 1])], [np.array([0, 7, 2 ** 31 - 1], np.uint32)], dtype="uint32")
    u = np.array([0, 1, 4000000000, 2 ** 24 + 1], np.uint32)
    F.case("uint32_to_float32", "astype", [u], [u.astype(np.float32)], dtype="float32")
    u8 = torch.tensor([0, 1, 128, 255], dtype=torch.uint8)
    F.case("uint8_to_float32", "astype", [u8], [u8.float()], dtype="float32")
    F.case("uint8_to_int32", "astype", [u8], [u8.int()], dtype="int32")
    b = torch.tensor([[True, False], [False, True]])
    for dt in ["float32", "float16", "bfloat16"]:
        F.case(f"bool_to_{dt}", "astype", [b], [b.to(TD[dt])], dtype=dt)
    F.case("bool_to_int32", "astype", [b], [b.int()], dtype="int32")
    F.case("bool_to_uint8", "astype", [b], [b.to(torch.uint8)], dtype="uint8")
    # astype of a non-contiguous view
    v = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 3
    F.case("transposed_float32_to_bfloat16", "astype_transposed", [v], [v.t().contiguous().bfloat16()], dtype="bfloat16")
    return F.write()


# --------------------------------------------------------------------------- print
def make_print():
    """Expected strings are numpy's own repr (numpy has no bfloat16: none here)."""
    F = Fixture(OUT_DIR, "print")
    np.set_printoptions()  # numpy defaults
    cases = [
        ("int32_2x2", np.array([[1, 2], [3, 4]], np.int32)),
        ("int32_1d_neg", np.array([-5, 10, 300], np.int32)),
        ("int32_3d", np.arange(8, dtype=np.int32).reshape(2, 2, 2)),
        ("int32_0d", np.array(5, np.int32)),
        ("uint8_1d", np.array([0, 7, 255], np.uint8)),
        ("uint32_1d", np.array([1, 4000000000], np.uint32)),
        ("float32_1d", np.array([0.5, 1.25, -3.0], np.float32)),
        ("float32_2x3", np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)),
        ("float32_0d", np.array(1.5, np.float32)),
        ("float32_empty", np.zeros((0,), np.float32)),
        ("float16_1d", np.array([1.0, 2.5, -0.125], np.float16)),
        ("bool_1d", np.array([True, False, True])),
        ("bool_2x2", np.array([[True, False], [False, False]])),
    ]
    for tag, a in cases:
        F.case(f"repr_{tag}", "print", [a], [], expected=repr(a))
    return F.write()


# --------------------------------------------------------------------------- fast (fused layers)
def make_fast():
    F = Fixture(OUT_DIR, "fast")
    rng = np.random.default_rng(7007)
    # rmsNorm over the last axis; D = 33 and 896 leave a tail past the kernel's blocks of 16.
    for tag, shape, eps in [("2x3x8", (2, 3, 8), 1e-6), ("5x33", (5, 33), 1e-5), ("1x1x896", (1, 1, 896), 1e-6)]:
        x32, w32 = rng.normal(0, 1, shape), rng.normal(1, 0.2, shape[-1:])
        for dt in FLOATS:
            x, w = q(x32, dt), q(w32, dt)
            fn = lambda t, u, e=eps: torch.nn.functional.rms_norm(t, t.shape[-1:], u, e)
            F.case(f"rms_norm_{tag}_{dt}", "rmsNorm", [x, w], [oracle(fn, dt, x, w)], eps=eps)
    # rope: x N.. x L x H x D, angles of positions offset .. offset + L - 1 at base 10000.
    # "sliced": the test passes x as a view sliced out of a wider last axis (q, k and v
    # of one merged projection), so its rows are strided.
    for tag, shape, offset, traditional, sliced in [
        ("1x3x2x8", (1, 3, 2, 8), 0, False, False),
        ("1x3x2x8_traditional", (1, 3, 2, 8), 0, True, False),
        ("2x4x3x16_offset5", (2, 4, 3, 16), 5, False, False),
        ("decode_1x1x2x64_offset40", (1, 1, 2, 64), 40, False, False),
        ("sliced_1x3x2x8", (1, 3, 2, 8), 2, False, True),
    ]:
        _, L, _, D = shape
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
        ang = torch.arange(offset, offset + L, dtype=torch.float32)[:, None] * inv[None, :]  # L x D/2
        cos, sin = ang.cos(), ang.sin()
        x32 = rng.normal(0, 1, shape)
        for dt in FLOATS:
            x = q(x32, dt)

            def fn(t, c, s, trad=traditional):
                c, s = c[:, None, :], s[:, None, :]  # L x 1 x D/2
                if trad:
                    x0, x1 = t[..., 0::2], t[..., 1::2]
                    return torch.stack([x0 * c - x1 * s, x0 * s + x1 * c], -1).flatten(-2)
                x0, x1 = t[..., : D // 2], t[..., D // 2:]
                return torch.cat([x0 * c - x1 * s, x1 * c + x0 * s], -1)
            F.case(f"rope_{tag}_{dt}", "rope", [x, cos, sin], [oracle(fn, dt, x, cos, sin)], traditional=traditional, sliced=sliced)
    # addRmsNorm: h = x + residual, stored in the dtype as an add stores it, then rmsNorm(h).
    for tag, shape, eps in [("2x3x8", (2, 3, 8), 1e-6), ("5x33", (5, 33), 1e-5), ("1x1x896", (1, 1, 896), 1e-6)]:
        x32, r32, w32 = rng.normal(0, 1, shape), rng.normal(0, 1, shape), rng.normal(1, 0.2, shape[-1:])
        for dt in FLOATS:
            x, r, w = q(x32, dt), q(r32, dt), q(w32, dt)
            h = oracle(torch.add, dt, x, r)
            fn = lambda t, u, e=eps: torch.nn.functional.rms_norm(t, t.shape[-1:], u, e)
            F.case(f"add_rms_norm_{tag}_{dt}", "addRmsNorm", [x, r, w], [h, oracle(fn, dt, h, w)], eps=eps)
    # swiglu: silu(gate) * up, silu's result in the dtype (as silu stores it). "sliced": the
    # test passes gate and up as the two halves of one N.. x 2I array (strided views).
    for tag, shape, sliced in [("2x3x8", (2, 3, 8), False), ("1x1x4864", (1, 1, 4864), False), ("sliced_3x40", (3, 40), True)]:
        g32, u32 = rng.normal(0, 2, shape), rng.normal(0, 1, shape)
        for dt in FLOATS:
            g, u = q(g32, dt), q(u32, dt)
            F.case(f"swiglu_{tag}_{dt}", "swiglu", [g, u], [oracle(torch.mul, dt, oracle(torch.nn.functional.silu, dt, g), u)], sliced=sliced)
    return F.write()


if __name__ == "__main__":
    total = 0
    for mk in [make_creation, make_elementwise, make_reduce, make_matmul, make_shape, make_sort,
               make_astype, make_print, make_fast]:
        total += mk()
    print(f"total: {total} cases")
