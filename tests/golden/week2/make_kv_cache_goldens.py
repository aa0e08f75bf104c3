#!/usr/bin/env python3
"""Golden values for week 2, day 1 (the KV cache): the tiny model decoding with a cache, from transformers.

Run where torch and transformers are installed, on the folders that `pnpm install`
generated:

    python3 tests/golden/week2/make_kv_cache_goldens.py packages/tiny-model/models [--out DIR]

The committed fixture was made with torch 2.13.0+cpu and transformers 5.17.0 on an x86-64
CPU (the last line the script prints names the versions). Writes kv_cache.safetensors (format in ../golden_writer.py) next to this
script, or into DIR.

The models are week 1's (../week1/make_tiny_model_goldens.py: transformers'
Qwen2ForCausalLM in float32 on CPU, eager attention, tied head), with one difference for
the 4-bit form. Week 1 dequantizes every weight once, rounded to bf16 (the scales' dtype).
Week 2 keeps them packed: the linear layers and the tied head multiply by the packed
weights in float32 (quantizedMatmul: w = code * scale + bias, not rounded), while an
embedding lookup unpacks its rows in the scales' dtype (as mx.dequantize and week 1's
dequantizeLinear return them, bf16 here). So here the 4-bit model has float32-dequantized
linear weights, bf16-rounded embedding rows and a head untied from them holding the
float32 values. params.bf16RoundingDiff is how far week 1's weights move the logits from
these (the largest |difference| over the recorded rows): what a comparison with week 1's
model must allow on the 4-bit form (0 on the bf16 form, where the weights are the same).

Each case runs the prompt through the model in chunks (params.chunks: their lengths, each
chunk a forward call at offset = the tokens before it, with a DynamicCache as
past_key_values), then params.decodeSteps single-token forward calls, each feeding the
greedy token of the previous call. The rows recorded are the last position of the first
chunk, every position of the later chunks, then one row per decode step.

Cases (params.form, params.model and params.modelSha256 as in week 1's tiny model goldens):
  kv_decode_<form>_chat_en           one chunk, 16 decode steps (bf16 and 4-bit)
  kv_prefill_chunks_<form>_chat_zh   two chunks (the second at offset 11), 4 decode steps
inputs [prompt ids, int32 L]; outputs
  [0] tokens   int32 1 + decodeSteps: the argmax of the last prompt position, then of each
               decode step (token t is fed at decode step t + 1)
  [1] columns  int32 R x C: the vocabulary ids checked in each row: its top params.topK,
               then every params.columnStride-th id
  [2] values   float32 R x C: the logits at those ids
  [3] (params.fullRow = r, bf16 decode case only) float32 V: every logit of row r
params.minGreedyMargin: the smallest top-1 minus top-2 logit among the token rows.

The script checks that the cached rows equal a full recompute without a cache (on the
prompt and the fed tokens), and that the chunked prefill equals a one-chunk one.
"""
import contextlib
import importlib.util
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
_spec = importlib.util.spec_from_file_location("week1_tiny", os.path.join(HERE, "..", "week1", "make_tiny_model_goldens.py"))
w1 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(w1)

LOGITS_TOL = {"rtol": 1e-4, "atol": 1e-4}
TOP_K = 8
COLUMN_STRIDE = 128
# (case name, form, prompt name, chunk lengths (None: the whole prompt), decode steps, record a full row?)
CASES = [
    ("kv_decode", "bf16", "chat_en", None, 16, True),
    ("kv_decode", "4bit", "chat_en", None, 16, False),
    ("kv_prefill_chunks", "bf16", "chat_zh", 11, 4, False),
]
# Cross-checks of transformers against itself: cache vs recompute, chunks vs one chunk.
SELF_TOL = 1e-4


@contextlib.contextmanager
def float32_dequantization():
    """Week 1's loader with its bf16 rounding of dequantized weights turned off."""
    saved = w1.round_bf16
    w1.round_bf16 = lambda x: np.asarray(x, dtype=np.float32)
    try:
        yield
    finally:
        w1.round_bf16 = saved


def build_week2_model(config, model_dir, week1_weights):
    """The model with the weights as week 2 computes with them (see the docstring)."""
    import torch

    with float32_dequantization():
        _, exact = w1.load_weights(model_dir)
    embedding = "model.embed_tokens.weight"
    model = w1.build_model(config, {**exact, embedding: week1_weights[embedding]})
    model.lm_head.weight = torch.nn.Parameter(torch.from_numpy(np.ascontiguousarray(exact[embedding])))  # untied
    return model


def run_cached(model, ids, chunks, steps):
    """The rows (R x V float32 torch) of a cached run, and the greedy tokens fed/produced."""
    import torch
    from transformers import DynamicCache

    cache = DynamicCache()
    rows, offset = [], 0
    with torch.no_grad():
        for i, n in enumerate(chunks):
            pos = torch.arange(offset, offset + n)
            out = model(input_ids=torch.tensor([ids[offset:offset + n]]), past_key_values=cache, use_cache=True,
                        position_ids=pos[None], cache_position=pos)
            logits = out.logits[0].float()  # n x V
            rows.append(logits[-1:] if i == 0 else logits)
            offset += n
        tokens = [int(rows[-1][-1].argmax())]
        for _ in range(steps):
            pos = torch.tensor([offset])
            out = model(input_ids=torch.tensor([[tokens[-1]]]), past_key_values=cache, use_cache=True,
                        position_ids=pos[None], cache_position=pos)
            rows.append(out.logits[0].float())
            offset += 1
            tokens.append(int(rows[-1][-1].argmax()))
        if cache.get_seq_length() != offset:
            raise RuntimeError(f"the cache holds {cache.get_seq_length()} tokens after {offset}")
    return torch.cat(rows), tokens


def run_uncached(model, ids, chunks, tokens):
    """The same rows from one forward pass without a cache over the prompt and the fed tokens."""
    import torch

    seq = list(ids) + tokens[:-1]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([seq]), use_cache=False).logits[0].float()  # (L + T) x V
    first = chunks[0] - 1
    return torch.cat([logits[first:first + 1], logits[chunks[0]:]])


def max_diff(a, b, what):
    d = float((a - b).abs().max())
    print(f"  {what}: max |diff| {d:.3g}")
    return d


def make(models_dir, out_dir):
    import torch
    from transformers import AutoTokenizer
    from golden_writer import Fixture

    torch.set_num_threads(1)
    F = Fixture(out_dir, "kv_cache")
    prompts = {name: (text, chat) for name, text, chat in w1.PROMPTS}
    for name, form, pname, split, steps, full_row in CASES:
        sub = w1.FORMS[form]
        model_dir = os.path.join(models_dir, sub)
        config, week1_weights = w1.load_weights(model_dir)
        model = build_week2_model(config, model_dir, week1_weights)
        week1_model = w1.build_model(config, week1_weights)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        text, chat = prompts[pname]
        ids, templated = w1.prompt_ids(tokenizer, text, chat)
        chunks = [len(ids)] if split is None else [split, len(ids) - split]
        cid = f"{name}_{form}_{pname}"
        print(f"{cid}: {len(ids)} prompt tokens in chunks {chunks}, {steps} decode steps")

        rows, tokens = run_cached(model, ids, chunks, steps)  # R x V
        if max_diff(rows, run_uncached(model, ids, chunks, tokens), "cached vs recomputed") > SELF_TOL:
            sys.exit(f"{cid}: transformers' cached rows differ from its recompute; inspect before writing goldens")
        if len(chunks) > 1:
            one, one_tokens = run_cached(model, ids, [len(ids)], steps)
            n_prompt = chunks[1]
            if max_diff(rows[n_prompt:], one, "chunked vs one chunk") > SELF_TOL or one_tokens != tokens:
                sys.exit(f"{cid}: chunked prefill differs from a one-chunk prefill")
        week1_rows, _ = run_cached(week1_model, ids, chunks, steps)
        rounding = max_diff(rows, week1_rows, "week 1's weights vs week 2's")

        token_rows = rows[len(rows) - steps - 1:]  # last prompt position, then each decode step
        top2 = torch.topk(token_rows, 2, dim=-1).values
        margin = float((top2[:, 0] - top2[:, 1]).min())
        top = torch.topk(rows, TOP_K, dim=-1).indices  # R x K
        strided = torch.arange(0, rows.shape[1], COLUMN_STRIDE)[None].expand(rows.shape[0], -1)
        columns = torch.cat([top, strided], -1)  # R x C
        values = torch.gather(rows, -1, columns)
        outputs = [np.array(tokens, dtype=np.int32), columns.to(torch.int32), values]
        extra = {}
        if full_row:
            extra["fullRow"] = rows.shape[0] - 1
            outputs.append(rows[-1])
        print(f"  tokens {tokens}, smallest margin {margin:.3g}, logits in [{float(rows.min()):.3g}, "
              f"{float(rows.max()):.3g}]")
        F.case(cid, "kv_cache_decode", [np.array(ids, dtype=np.int32)], outputs, tol=LOGITS_TOL,
               form=form, model=sub, modelSha256=w1.sha256_file(os.path.join(model_dir, "model.safetensors")),
               prompt=text, chat=chat, text=templated, chunks=chunks, decodeSteps=steps, topK=TOP_K,
               columnStride=COLUMN_STRIDE, minGreedyMargin=margin, bf16RoundingDiff=rounding, **extra)
    return F.write()


if __name__ == "__main__":
    from golden_writer import models_dir_and_out

    models, out = models_dir_and_out(sys.argv, HERE, w1.FORMS.values())
    import torch
    import transformers

    total = make(models, out)
    print(f"total: {total} cases (torch {torch.__version__}, transformers {transformers.__version__})")
