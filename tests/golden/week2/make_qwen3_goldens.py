#!/usr/bin/env python3
"""Golden values for "From Qwen2 to Qwen3" (week 2, Qwen3; book: week2-qwen3.md): the tiny Qwen3, from transformers.

Run where torch and transformers (>= 4.51, which has Qwen3) are installed, on the folders
that `pnpm install` generated (packages/tiny-model/src/qwen3-config.ts):

    python3 tests/golden/week2/make_qwen3_goldens.py packages/tiny-model/models [--out DIR]

The committed fixture was made with torch 2.11.0+cu130 and transformers 5.17.0, on the CPU
of an x86-64 machine (the last line the script prints names the versions). Writes qwen3.safetensors
(format in ../golden_writer.py) next to this script, or into DIR.

The tiny Qwen3: 2 layers, E = 32, H_q = 4, H_kv = 2 (grouped-query attention), D = 16
from config.json's head_dim (so H_q x D = 64 != E), q_norm / k_norm on every head, no
q/k/v biases. Forms (params.form, params.model, params.modelSha256 as in week 1's tiny
model goldens):
  "bf16"         qwen3-tiny               tied head
  "4bit"         qwen3-tiny-4bit          MLX affine 4-bit, group 32, tied head
  "untied"       qwen3-tiny-untied        its own lm_head
  "untied_8bit"  qwen3-tiny-untied-8bit   MLX affine 8-bit, group 32, lm_head quantized too
transformers' Qwen3ForCausalLM runs in float32 on CPU (eager attention) with the weights
as week 2 computes with them (see ./make_kv_cache_goldens.py): quantized linear layers
and heads dequantized in float32 (scale * code + bias), embedding rows dequantized and
rounded to bf16 (the scales' dtype), so a tied quantized head holds other values than
the rows the embedding returns.

Prompts: "chat_en" through the folder's chat template (Qwen3's, thinking on: the
generation prompt is "<|im_start|>assistant\\n"), "chat_en_no_think" (enable_thinking
False: the template adds an empty "<think>\\n\\n</think>\\n\\n"), "raw_fox" (no template).

Cases:
  qwen3_greedy_<form>_<prompt>   inputs [prompt ids, int32 L]; outputs [the 32-token greedy
                                 continuation, int32]; params.prompt, chat, enableThinking,
                                 text (the templated text), minGreedyMargin (the smallest
                                 top-1 minus top-2 logit on the way)
  qwen3_logits_<form>_chat_en    inputs [prompt ids]; outputs [columns int32 C: the top
                                 params.topK ids, then every params.columnStride-th id;
                                 values float32 C: the last position's logits there];
                                 bf16 adds [2] float32 V: the whole row
  qwen3_attention_bf16_layer<i>  transformers' Qwen3Attention of layer i on the chat_en
                                 prompt, causal, positions 0 .. L-1: inputs [x, float32
                                 1 x L x E: what the layer's input_layernorm gave it];
                                 outputs [float32 1 x L x E]; params.layer

Greedy decoding runs with EOS stopping disabled (always 32 tokens) and is cross-checked
against a plain argmax loop over full forward passes.
"""
import importlib.util
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
_spec = importlib.util.spec_from_file_location("week2_kv_cache", os.path.join(HERE, "make_kv_cache_goldens.py"))
kv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kv)
w1 = kv.w1  # week 1's tiny-model script, whose bf16 rounding kv.float32_dequantization() switches off

FORMS = {"bf16": "qwen3-tiny", "4bit": "qwen3-tiny-4bit", "untied": "qwen3-tiny-untied", "untied_8bit": "qwen3-tiny-untied-8bit"}
PROMPT_EN = "Give me a short introduction to large language model."
PROMPTS = [  # (name, text, chat template?, enable_thinking)
    ("chat_en", PROMPT_EN, True, True),
    ("chat_en_no_think", PROMPT_EN, True, False),
    ("raw_fox", "The quick brown fox", False, True),
]
NEW_TOKENS = 32
LOGITS_TOL = {"rtol": 1e-4, "atol": 1e-4}
ATTENTION_TOL = {"rtol": 1e-5, "atol": 1e-5}
TOP_K = 8
COLUMN_STRIDE = 128
EMBEDDING = "model.embed_tokens.weight"


def expected_names(config):
    """The Hugging Face tensor names of a Qwen3 checkpoint (lm_head.weight when untied)."""
    names = {EMBEDDING, "model.norm.weight"}
    if not config["tie_word_embeddings"]:
        names.add("lm_head.weight")
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}"
        names |= {f"{p}.input_layernorm.weight", f"{p}.post_attention_layernorm.weight"}
        names |= {f"{p}.mlp.{m}_proj.weight" for m in ("gate", "up", "down")}
        names |= {f"{p}.self_attn.{m}_proj.weight" for m in "qkvo"}
        names |= {f"{p}.self_attn.q_norm.weight", f"{p}.self_attn.k_norm.weight"}
    return names


def load_weights(model_dir):
    """{HF name: float32 array} as week 2 computes with them, and the embedding rows (bf16-rounded when quantized)."""
    with kv.float32_dequantization():
        config, exact = w1.load_weights(model_dir, expected_names, "a Qwen3's")
    quantized = (config.get("quantization") or config.get("quantization_config")) is not None
    rows = w1.round_bf16(exact[EMBEDDING]) if quantized else exact[EMBEDDING]
    return config, exact, rows


def build_model(config, exact, rows):
    """transformers' Qwen3ForCausalLM in float32 on CPU, eager attention: embedding `rows`, head from `exact`."""
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    keys = {k: v for k, v in config.items() if k not in ("quantization", "quantization_config", "torch_dtype", "dtype")}
    cfg = Qwen3Config(**keys, attn_implementation="eager")
    if cfg.head_dim != config["head_dim"] or cfg.attention_bias:
        raise ValueError(f"Qwen3Config read head_dim {cfg.head_dim}, attention_bias {cfg.attention_bias}")
    model = Qwen3ForCausalLM(cfg).to(torch.float32).eval()
    if hasattr(model, "set_attn_implementation"):  # transformers >= 4.56
        model.set_attn_implementation("eager")
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    state = {k: t(v) for k, v in exact.items() if k not in (EMBEDDING, "lm_head.weight")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {EMBEDDING, "lm_head.weight"}:
        raise ValueError(f"weights do not fit Qwen3ForCausalLM: missing {missing}, unexpected {unexpected}")
    model.model.embed_tokens.weight = torch.nn.Parameter(t(rows))
    head = exact["lm_head.weight"] if "lm_head.weight" in exact else exact[EMBEDDING]
    model.lm_head.weight = torch.nn.Parameter(t(head))  # its own tensor, even when tied (see the docstring)
    for name, p in model.named_parameters():
        if p.dtype != torch.float32:
            raise ValueError(f"{name} is {p.dtype}, expected float32")
    return model


def prompt_ids(tokenizer, text, chat, thinking):
    """The prompt's token ids and the text they encode (templated for chat prompts)."""
    if chat:
        text = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True, enable_thinking=thinking)
    return tokenizer(text, add_special_tokens=False)["input_ids"], text


def attention_cases(F, model, ids, common):
    """Layer i's self-attention input (after input_layernorm) and output on the prompt, by hooks."""
    import torch

    seen = {}
    hooks = []
    for i, layer in enumerate(model.model.layers):
        def hook(module, args, kwargs, out, i=i):
            x = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
            seen[i] = (x.detach().clone(), out[0].detach().clone())
        hooks.append(layer.self_attn.register_forward_hook(hook, with_kwargs=True))
    with torch.no_grad():
        model(input_ids=torch.tensor([ids]))
    for h in hooks:
        h.remove()
    for i, (x, y) in sorted(seen.items()):
        print(f"attention layer {i}: x {list(x.shape)} -> {list(y.shape)}, |y| max {float(y.abs().max()):.3g}")
        F.case(f"qwen3_attention_bf16_layer{i}", "qwen3_attention", [x.float()], [y.float()], tol=ATTENTION_TOL,
               layer=i, **common)


def make(models_dir, out_dir):
    import torch
    from transformers import AutoTokenizer
    from golden_writer import Fixture

    torch.set_num_threads(1)
    F = Fixture(out_dir, "qwen3")
    for form, sub in FORMS.items():
        model_dir = os.path.join(models_dir, sub)
        config, exact, rows = load_weights(model_dir)
        model = build_model(config, exact, rows)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        common = {"form": form, "model": sub, "modelSha256": w1.sha256_file(os.path.join(model_dir, "model.safetensors"))}
        for pname, text, chat, thinking in PROMPTS:
            ids, templated = prompt_ids(tokenizer, text, chat, thinking)
            x = np.array(ids, dtype=np.int32)
            prompt = {"prompt": text, "chat": chat, "enableThinking": thinking, "text": templated}
            if pname == "chat_en":
                with torch.no_grad():
                    logits = model(input_ids=torch.tensor([ids])).logits[0, -1].float()  # V
                top = torch.topk(logits, TOP_K).indices
                columns = torch.cat([top, torch.arange(0, logits.shape[0], COLUMN_STRIDE)])
                outputs = [columns.to(torch.int32), logits[columns]]
                if form == "bf16":
                    outputs.append(logits)
                    attention_cases(F, model, ids, common)
                F.case(f"qwen3_logits_{form}_{pname}", "qwen3_logits", [x], outputs, tol=LOGITS_TOL,
                       topK=TOP_K, columnStride=COLUMN_STRIDE, **prompt, **common)
            tokens, margin = w1.greedy_argmax(model, ids, NEW_TOKENS)
            generated = w1.greedy_generate(model, ids, NEW_TOKENS)
            if generated != tokens:
                sys.exit(f"{form} {pname}: model.generate gave {generated}, the argmax loop {tokens} "
                         f"(smallest margin {margin:.3g}); inspect before writing goldens")
            print(f"{form} {pname}: {len(ids)} prompt tokens -> {tokens[:8]}... "
                  f"({len(set(tokens))} distinct, smallest margin {margin:.3g})")
            F.case(f"qwen3_greedy_{form}_{pname}", "qwen3_greedy", [x], [np.array(tokens, dtype=np.int32)],
                   maxNewTokens=NEW_TOKENS, minGreedyMargin=margin, **prompt, **common)
    return F.write()


if __name__ == "__main__":
    from golden_writer import models_dir_and_out

    models, out = models_dir_and_out(sys.argv, HERE, FORMS.values())
    import torch
    import transformers

    total = make(models, out)
    print(f"total: {total} cases (torch {torch.__version__}, transformers {transformers.__version__})")
