#!/usr/bin/env python3
"""Golden values for the tiny default model (packages/tiny-model), from transformers.

Run where torch and transformers (5.x; 4.4x works too) are installed, on the folders
that `pnpm install` generated:

    python3 tests/golden/week1/make_tiny_model_goldens.py packages/tiny-model/models
    python3 tests/golden/week1/make_tiny_model_goldens.py --set trained_model packages/tiny-model/models

Writes tests/golden/week1/tiny_model.safetensors (the random qwen2-tiny folders) or
trained_model.safetensors (the trained qwen2-wordnet folders: other prompts, and each
continuation stops after the <|im_end|> that ends the reply; case ids start with
trained_model_) (format in ../golden_writer.py).

For each form of the checkpoint,
  "bf16"  models/qwen2-tiny: the bf16 weights, upcast to float32;
  "4bit"  models/qwen2-tiny-4bit: the MLX affine 4-bit weights dequantized as
          scale.float() * code + bias.float() in float32, rounded to bf16 and back
          (what the TypeScript loader path does: dequantize, then keep the scales' dtype),
transformers' Qwen2ForCausalLM is built in float32 on CPU (eager attention) from the
folder's config.json, with the tied head. Prompts: two chat prompts through the
folder's chat template (AutoTokenizer, add_generation_prompt=True) and one raw text.

Cases (params.form, params.model and params.modelSha256, the sha256 of the
model.safetensors the values came from, in every case; tests compare it with
tinyModelDigest(dir) to catch goldens made from other weights):
  tiny_model_greedy_<form>_<prompt>   inputs [prompt ids, int32 L]
                                      outputs [the 32-token greedy continuation, int32]
                                      params.prompt, params.chat, params.text (the
                                      templated text), params.minGreedyMargin (the
                                      smallest top-1 minus top-2 logit on the way: how
                                      close a step came to a tie)
  tiny_model_logits_<form>_chat_en    inputs [prompt ids] outputs [float32 V: logits of
                                      the last prompt position] (first prompt only: the
                                      fixture stays small)

Greedy decoding runs with EOS stopping disabled, so it always gives 32 tokens; it is
cross-checked against a plain argmax loop over full forward passes.

The safetensors reading and the dequantization use only numpy (see check_folders, run
with --check, which needs neither torch's Qwen2 nor transformers).
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
FORMS = {"bf16": "qwen2-tiny", "4bit": "qwen2-tiny-4bit"}
PROMPTS = [  # (name, text, chat template?)
    ("chat_en", "Give me a short introduction to large language model.", True),
    ("chat_zh", "你好，请介绍一下你自己。", True),
    ("raw_fox", "The quick brown fox", False),
]
# The trained model (packages/tiny-model/train): its replies end with <|im_end|>, so its
# continuations stop there (EOS included); past it the model was never trained.
TRAINED_FORMS = {"bf16": "qwen2-wordnet", "4bit": "qwen2-wordnet-4bit"}
TRAINED_PROMPTS = [
    ("define_ocean", "What does 'ocean' mean?", True),
    ("synonym_happy", "What is a synonym of 'happy'?", True),
    ("sentence_river", "Use 'river' in a sentence.", True),
]
IM_END = 151645
# --set: fixture name -> (folders by form, prompts, stop after <|im_end|>?)
SETS = {"tiny_model": (FORMS, PROMPTS, False), "trained_model": (TRAINED_FORMS, TRAINED_PROMPTS, True)}
NEW_TOKENS = 32
LOGITS_TOL = {"rtol": 1e-4, "atol": 1e-4}


# --------------------------------------------------------------------------- reading
def bf16_to_f32(u16):
    """bfloat16 bit patterns (uint16) -> float32: the 16 bits are the high half of a float32."""
    return (np.asarray(u16, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def round_bf16(x):
    """float32 -> nearest bfloat16 (ties to even), returned as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    if not np.all(np.isfinite(x)):
        raise ValueError("round_bf16: non-finite values")
    bits = (bits + (0x7FFF + ((bits >> 16) & 1))) & np.uint32(0xFFFF0000)
    return bits.astype(np.uint32).view(np.float32)


NP_DTYPES = {"F32": "<f4", "F16": "<f2", "I32": "<i4", "U32": "<u4", "U8": "u1", "BOOL": "u1", "BF16": "<u2"}


def read_safetensors(path):
    """{name: numpy array} (BF16 as float32, others in their own dtype) and the metadata."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        if info["dtype"] not in NP_DTYPES:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        a = np.frombuffer(data, dtype=NP_DTYPES[info["dtype"]], count=(end - start) // np.dtype(NP_DTYPES[info["dtype"]]).itemsize,
                          offset=base + start).reshape(info["shape"])
        tensors[name] = bf16_to_f32(a) if info["dtype"] == "BF16" else a.copy()
    return tensors, metadata


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        return json.load(f)


# --------------------------------------------------------------------------- dequantizing
def unpack_codes(words, bits):
    """O x (I * bits / 32) uint32 -> O x I codes: LSB first along the input axis."""
    per_word = 32 // bits
    shifts = (np.arange(per_word, dtype=np.uint32) * bits).astype(np.uint32)
    codes = (words[..., None] >> shifts) & np.uint32((1 << bits) - 1)  # O x W x per_word
    return codes.reshape(words.shape[0], words.shape[1] * per_word)


def dequantize(words, scales, biases, group_size, bits):
    """w = scale * code + bias per group, in float32 (a multiply, then an add), rounded to bf16."""
    codes = unpack_codes(words, bits).astype(np.float32)
    O, I = codes.shape
    grouped = codes.reshape(O, I // group_size, group_size)
    w = grouped * scales.astype(np.float32)[..., None]
    w = w + biases.astype(np.float32)[..., None]
    return round_bf16(w.reshape(O, I))


def expected_names(config):
    """The Hugging Face tensor names of a tied Qwen2 checkpoint."""
    names = {"model.embed_tokens.weight", "model.norm.weight"}
    for i in range(config["num_hidden_layers"]):
        p = f"model.layers.{i}"
        names |= {f"{p}.input_layernorm.weight", f"{p}.post_attention_layernorm.weight"}
        names |= {f"{p}.mlp.{m}_proj.weight" for m in ("gate", "up", "down")}
        names |= {f"{p}.self_attn.{m}_proj.weight" for m in "qkvo"}
        names |= {f"{p}.self_attn.{m}_proj.bias" for m in "qkv"}
    return names


def load_weights(model_dir, expected=expected_names, what="a tied Qwen2's"):
    """The checkpoint in `model_dir` as {HF name: float32 numpy array}, dequantized if quantized.

    expected(config) gives the tensor names the checkpoint must hold (`what` names them in the error)."""
    config = read_config(model_dir)
    tensors, _ = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    q = config.get("quantization") or config.get("quantization_config")
    out = {}
    for name, a in tensors.items():
        if name.endswith(".scales") or name.endswith(".biases"):
            continue
        base = name[: -len(".weight")] if name.endswith(".weight") else None
        if q is not None and base is not None and f"{base}.scales" in tensors:
            if a.dtype != np.uint32:
                raise ValueError(f"{model_dir}: {name} has scales but dtype {a.dtype}, expected uint32")
            out[name] = dequantize(a, tensors[f"{base}.scales"], tensors[f"{base}.biases"], q["group_size"], q["bits"])
        else:
            if a.dtype != np.float32:
                raise ValueError(f"{model_dir}: {name} is {a.dtype}, expected a float tensor")
            out[name] = a
    want = expected(config)
    if set(out) != want:
        raise ValueError(f"{model_dir}: tensor names differ from {what}: missing {sorted(want - set(out))}, "
                         f"extra {sorted(set(out) - want)}")
    return config, out


def check_folders(models_dir, forms):
    """What runs without transformers: read both forms, dequantize, compare (python3 ... --check)."""
    _, bf16 = load_weights(os.path.join(models_dir, forms["bf16"]))
    config, q4 = load_weights(os.path.join(models_dir, forms["4bit"]))
    q = config["quantization"]
    levels = (1 << q["bits"]) - 1
    for name, w in bf16.items():
        d = q4[name]
        if d.shape != w.shape:
            raise ValueError(f"{name}: 4-bit shape {d.shape} != bf16 shape {w.shape}")
        if w.ndim == 1:
            if not np.array_equal(d, w):
                raise ValueError(f"{name}: kept in bf16 but differs between the folders")
            continue
        g = w.reshape(w.shape[0], -1, q["group_size"])
        step = (g.max(-1) - g.min(-1)) / levels
        # half a step of the grid, plus the bf16 roundings of scale and result
        bound = (0.5 * step + 2 * 2.0 ** -8 * np.abs(g).max(-1))[..., None]
        err = np.abs(d.reshape(g.shape) - g)
        if np.any(err > bound):
            raise ValueError(f"{name}: dequantized weights off by up to {err.max()} (bound {bound.max()})")
        print(f"{name:45s} {str(list(w.shape)):14s} max |4bit - bf16| {err.max():.5f} (max step {step.max():.5f})")
    for form, sub in forms.items():
        print(f"{form}: {sub}/model.safetensors sha256 {sha256_file(os.path.join(models_dir, sub, 'model.safetensors'))}")


# --------------------------------------------------------------------------- transformers
def build_model(config, weights):
    """transformers' Qwen2ForCausalLM in float32 on CPU, eager attention, with `weights` and the tied head."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    keys = {k: v for k, v in config.items() if k not in ("quantization", "quantization_config", "torch_dtype", "dtype")}
    cfg = Qwen2Config(**keys, attn_implementation="eager")
    if not cfg.tie_word_embeddings:
        raise ValueError("the tiny model's head is tied to its embedding")
    model = Qwen2ForCausalLM(cfg).to(torch.float32).eval()
    if hasattr(model, "set_attn_implementation"):  # transformers >= 4.56
        model.set_attn_implementation("eager")
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise ValueError(f"weights do not fit Qwen2ForCausalLM: missing {missing}, unexpected {unexpected}")
    model.lm_head.weight = model.model.embed_tokens.weight  # the tied head
    for name, p in model.named_parameters():
        if p.dtype != torch.float32:
            raise ValueError(f"{name} is {p.dtype}, expected float32")
    return model


def prompt_ids(tokenizer, text, chat):
    """The prompt's token ids and the text they encode (templated for chat prompts)."""
    if chat:
        text = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False,
                                             add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"], text


def greedy_argmax(model, ids, n, stop_at_eos=False):
    """n tokens (or up to <|im_end|>) by argmax over full forward passes (no cache), and the smallest top-1 minus top-2 logit."""
    import torch

    seq = list(ids)
    margin = float("inf")
    with torch.no_grad():
        for _ in range(n):
            logits = model(input_ids=torch.tensor([seq])).logits[0, -1]
            top = torch.topk(logits, 2).values
            margin = min(margin, float(top[0] - top[1]))
            seq.append(int(torch.argmax(logits)))
            if stop_at_eos and seq[-1] == IM_END:
                break
    return seq[len(ids):], margin


def greedy_generate(model, ids, n):
    """n tokens from model.generate (greedy, KV cache, EOS stopping off)."""
    import torch

    model.generation_config.eos_token_id = None
    x = torch.tensor([ids])
    with torch.no_grad():
        out = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=n, do_sample=False,
                             eos_token_id=None, pad_token_id=151643)
    return out[0, len(ids):].tolist()


def until_eos(tokens):
    """The tokens up to and including the first <|im_end|>."""
    return tokens[: tokens.index(IM_END) + 1] if IM_END in tokens else tokens


def make(models_dir, set_name):
    import torch
    from transformers import AutoTokenizer
    from golden_writer import Fixture

    forms, prompts, stop_at_eos = SETS[set_name]
    torch.set_num_threads(1)
    F = Fixture(OUT_DIR, set_name)
    for form, sub in forms.items():
        model_dir = os.path.join(models_dir, sub)
        config, weights = load_weights(model_dir)
        model = build_model(config, weights)
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        common = {"form": form, "model": sub, "modelSha256": sha256_file(os.path.join(model_dir, "model.safetensors"))}
        for k, (pname, text, chat) in enumerate(prompts):
            ids, templated = prompt_ids(tokenizer, text, chat)
            x = np.array(ids, dtype=np.int32)
            if k == 0:
                with torch.no_grad():
                    logits = model(input_ids=torch.tensor([ids])).logits[0, -1].to(torch.float32)
                F.case(f"{set_name}_logits_{form}_{pname}", "tiny_model_logits", [x], [logits], tol=LOGITS_TOL,
                       prompt=text, chat=chat, text=templated, **common)
            tokens, margin = greedy_argmax(model, ids, NEW_TOKENS, stop_at_eos)
            generated = greedy_generate(model, ids, NEW_TOKENS)
            if stop_at_eos:
                generated = until_eos(generated)
            if generated != tokens:
                if len(generated) < NEW_TOKENS and tokens[: len(generated)] == generated:
                    print(f"warning: {form} {pname}: generate stopped after {len(generated)} tokens "
                          f"(EOS stopping was not disabled); keeping the argmax loop's {NEW_TOKENS}")
                else:
                    sys.exit(f"{form} {pname}: model.generate gave {generated}, the argmax loop {tokens} "
                             f"(smallest margin {margin:.3g}); a near-tie? inspect before writing goldens")
            print(f"{form} {pname}: {len(ids)} prompt tokens -> {tokens[:8]}... "
                  f"({len(set(tokens))} distinct, smallest margin {margin:.3g})")
            F.case(f"{set_name}_greedy_{form}_{pname}", "tiny_model_greedy", [x], [np.array(tokens, dtype=np.int32)],
                   prompt=text, chat=chat, text=templated, maxNewTokens=NEW_TOKENS, minGreedyMargin=margin, **common)
    return F.write()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Goldens of the tiny models from transformers.")
    parser.add_argument("models", help="the folder holding the model folders (packages/tiny-model/models)")
    parser.add_argument("--set", choices=sorted(SETS), default="tiny_model",
                        help="tiny_model: the random qwen2-tiny folders; trained_model: the trained qwen2-wordnet ones")
    parser.add_argument("--check", action="store_true", help="only read both forms and compare them (no transformers)")
    args = parser.parse_args()
    if args.check:
        check_folders(args.models, SETS[args.set][0])
    else:
        import torch
        import transformers

        total = make(args.models, args.set)
        print(f"total: {total} cases (torch {torch.__version__}, transformers {transformers.__version__})")
