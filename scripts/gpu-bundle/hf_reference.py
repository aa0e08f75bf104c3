"""transformers' bf16 reference on the GPU, beside `pnpm bench --part gpu` (run.sh runs both):
Qwen2ForCausalLM built from a config with Qwen2-7B's sizes, random weights, bf16, on cuda
(nothing downloaded). Prints the decode tok/s of `generate` (greedy, 128 new tokens after a
512-token prompt; the first token, the prefill's, not counted) and the prefill tok/s of a
512-token forward pass; medians of 3 after a warm-up.
"""
import statistics
import time

import torch
import transformers
from transformers import Qwen2Config, Qwen2ForCausalLM

PROMPT = 512
NEW = 128
RUNS = 3

# config.json of Qwen/Qwen2-7B-Instruct (packages/cli/src/bench/qwen2-shapes.ts QWEN2_7B_CONFIG).
CONFIG = Qwen2Config(
    hidden_size=3584, intermediate_size=18944, num_hidden_layers=28, num_attention_heads=28,
    num_key_value_heads=4, vocab_size=152064, max_position_embeddings=32768, rope_theta=1000000.0,
    rms_norm_eps=1e-6, tie_word_embeddings=False, bos_token_id=151643, eos_token_id=151645,
)


def timed(fn):
    torch.cuda.synchronize()
    t = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t


def main():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = Qwen2ForCausalLM(CONFIG).eval()
    ids = torch.randint(0, CONFIG.vocab_size, (1, PROMPT), device="cuda")
    mask = torch.ones_like(ids)

    def generate(new):
        # eos_token_id=None: random weights may pick EOS; every run makes `new` tokens.
        return model.generate(ids, attention_mask=mask, max_new_tokens=new, min_new_tokens=new, do_sample=False, eos_token_id=None, pad_token_id=0)

    with torch.inference_mode():
        prefill = lambda: model(ids, use_cache=True)
        timed(prefill)
        generate(2)
        prefills = [timed(prefill) for _ in range(RUNS)]
        firsts = [timed(lambda: generate(1)) for _ in range(RUNS)]
        fulls = [timed(lambda: generate(NEW)) for _ in range(RUNS)]
    p = statistics.median(prefills)
    d = statistics.median(fulls) - statistics.median(firsts)
    print(f"\ntransformers {transformers.__version__} (torch {torch.__version__}) bf16 on {torch.cuda.get_device_name()}, random weights in Qwen2-7B's shapes:")
    print(f"  prefill {PROMPT} tokens: {PROMPT / p:.1f} tok/s ({p * 1e3:.1f} ms)")
    print(f"  generate decode: {(NEW - 1) / d:.1f} tok/s ({NEW} new tokens after a {PROMPT}-token prompt, the first one not counted)")


if __name__ == "__main__":
    main()
