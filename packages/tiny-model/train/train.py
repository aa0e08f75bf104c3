#!/usr/bin/env python3
"""Trains the tiny model and its draft on WordNet chat turns (wordnet_chat.py), on a GPU.

    python3 wordnet_chat.py --out data
    python3 train.py --data data --tokenizer ../models/qwen2-tiny --out ../trained

(On the H200 the `device` tool lends: about 5 minutes for the target, 1 for the draft.)

Needs torch and transformers (the model is transformers' own Qwen2ForCausalLM, so what
is trained is exactly the architecture the course builds). Seeded: the same data, seed
and versions give the same weights up to the GPU's non-determinism in reductions.

Each epoch shows every training turn once, and the turns about common words
(--common-repeats) more often: those are the words a user asks about. Each turn is the
folder's chat template applied to [user: q, assistant: a] (with Qwen2's default system
prompt, as `pnpm main` sends it); the loss is the cross-entropy of the
answer's tokens and the <|im_end|> that ends it. The vocabulary is Qwen's 151,936 ids,
but only the ids the training turns use get an embedding row: every other row stays
exactly zero (the head is tied, so those tokens' logits are 0). The loss is computed
over the used rows plus that constant for the rest: the same softmax as the full one,
without a 151,936-wide logits matrix per batch.

The draft (for speculative decoding) is a 1-layer model with the target's final
embedding, frozen, trained on the same turns; only its layers are shipped.

Writes OUT/<name>.safetensors.gz for the target ("wordnet") and the draft
("wordnet-draft"): bf16 tensors under transformers' names, except that the embedding is
stored as its used rows (`model.embed_tokens.rows`, U x E) and their ids
(`model.embed_tokens.ids`, int32 U); the shapes in `__metadata__`. packages/tiny-model
unpacks them into model folders at `pnpm install`. Also OUT/<name>.log.jsonl: the loss
curve and each epoch's held-out perplexity.
"""

import argparse
import gzip
import json
import math
import os
import random
import struct
import time

import torch
from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

SHAPES = {
    "wordnet": dict(hidden_size=256, num_hidden_layers=6, num_attention_heads=4, num_key_value_heads=2, intermediate_size=768),
    "wordnet-draft": dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2, intermediate_size=768),
}
VOCAB = 151936


def read_turns(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def encode(tokenizer, turns):
    """[(ids, first answer position)] per turn; the answer runs to the <|im_end|> after it."""
    # Every prompt is the template's text around the question: render it once.
    sentinel = "\x00QUESTION\x00"
    prefix, suffix = tokenizer.apply_chat_template([{"role": "user", "content": sentinel}], add_generation_prompt=True, tokenize=False).split(sentinel)
    assert tokenizer.apply_chat_template([{"role": "user", "content": turns[0]["q"]}], add_generation_prompt=True, tokenize=False) == prefix + turns[0]["q"] + suffix
    prompt_ids = tokenizer([prefix + t["q"] + suffix for t in turns], add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer([t["a"] for t in turns], add_special_tokens=False)["input_ids"]
    end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    return [(p + a + [end], len(p)) for p, a in zip(prompt_ids, answer_ids)]


def batches(examples, batch_size, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    for i in range(0, len(order), batch_size):
        yield [examples[j] for j in order[i:i + batch_size]]


def collate(batch, device):
    """N x L ids, N x L attention mask, and the (row, position) of each predicted token."""
    L = max(len(ids) for ids, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    mask = torch.zeros(len(batch), L, dtype=torch.long)
    rows, cols = [], []
    for n, (tokens, start) in enumerate(batch):
        ids[n, :len(tokens)] = torch.tensor(tokens)
        mask[n, :len(tokens)] = 1
        rows += [n] * (len(tokens) - start)
        cols += range(start - 1, len(tokens) - 1)  # position t predicts token t + 1
    return ids.to(device), mask.to(device), torch.tensor(rows, device=device), torch.tensor(cols, device=device)


class UsedVocabLoss:
    """Cross-entropy over Qwen's whole vocabulary whose unused rows are zero (logit 0)."""

    def __init__(self, used_ids, device):
        self.used = torch.tensor(used_ids, device=device)
        self.position = torch.full((VOCAB,), -1, dtype=torch.long, device=device)
        self.position[self.used] = torch.arange(len(used_ids), device=device)
        self.log_unused = math.log(VOCAB - len(used_ids))

    def __call__(self, model, ids, mask, rows, cols, reduction="mean"):
        hidden = model.model(input_ids=ids, attention_mask=mask).last_hidden_state  # N x L x E
        h = hidden[rows, cols]  # T x E
        logits = (h @ model.model.embed_tokens.weight[self.used].T).float()  # T x U
        target = self.position[ids[rows, cols + 1]]
        lse = torch.logaddexp(torch.logsumexp(logits, dim=-1), torch.tensor(self.log_unused, device=logits.device))
        # A held-out token the training turns never use has a zero row: its logit is 0.
        nll = lse - torch.where(target >= 0, logits.gather(1, target.clamp(min=0)[:, None])[:, 0], 0.0)
        return nll.mean() if reduction == "mean" else nll.sum()


@torch.no_grad()
def perplexity(model, loss, examples, device, batch_size=512):
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(examples), batch_size):
        ids, mask, rows, cols = collate(examples[i:i + batch_size], device)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            total += loss(model, ids, mask, rows, cols, reduction="sum").item()
        count += len(rows)
    model.train()
    return math.exp(total / count)


def make_model(name, seed, device):
    torch.manual_seed(seed)
    config = Qwen2Config(vocab_size=VOCAB, max_position_embeddings=4096, rope_theta=1e6, rms_norm_eps=1e-6,
                         tie_word_embeddings=True, **SHAPES[name])
    return Qwen2ForCausalLM(config).to(device)


def train(name, model, loss, train_set, heldout, args, log_path, trainable):
    opt = torch.optim.AdamW(trainable, lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    steps = args.epochs[name] * math.ceil(len(train_set) / args.batch_size)
    warmup = min(200, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    rng = random.Random(args.seed)
    step, start = 0, time.time()
    with open(log_path, "w") as log:
        for epoch in range(args.epochs[name]):
            for batch in batches(train_set, args.batch_size, rng):
                ids, mask, rows, cols = collate(batch, args.device)
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    value = loss(model, ids, mask, rows, cols)
                opt.zero_grad(set_to_none=True)
                value.backward()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                opt.step()
                schedule.step()
                step += 1
                if step % 50 == 0:
                    log.write(json.dumps({"step": step, "epoch": epoch, "loss": round(value.item(), 4), "seconds": round(time.time() - start, 1)}) + "\n")
            ppl = perplexity(model, loss, heldout, args.device)
            log.write(json.dumps({"step": step, "epoch": epoch + 1, "heldout_perplexity": round(ppl, 3), "seconds": round(time.time() - start, 1)}) + "\n")
            log.flush()
            print(f"{name}: epoch {epoch + 1} step {step} loss {value.item():.3f} held-out perplexity {ppl:.2f} ({time.time() - start:.0f} s)", flush=True)


def write_pack(path, model, used_ids, name, skip_embedding):
    """The shipped form: bf16 tensors, the embedding as its used rows, gzip'd safetensors."""
    state = {k: v.detach().to("cpu", torch.bfloat16) for k, v in model.state_dict().items() if k != "lm_head.weight"}
    embedding = state.pop("model.embed_tokens.weight")
    tensors = {} if skip_embedding else {"model.embed_tokens.ids": torch.tensor(used_ids, dtype=torch.int32), "model.embed_tokens.rows": embedding[used_ids]}
    tensors.update(state)
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        t = tensors[key].contiguous()
        data = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[key] = {"dtype": "BF16" if t.dtype == torch.bfloat16 else "I32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "tiny-llm-trained", "name": name, "vocab_size": str(VOCAB),
                              **{k: str(v) for k, v in SHAPES[name].items()}}
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with gzip.GzipFile(path + ".tmp", "wb", compresslevel=9, mtime=0) as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description="Train the tiny WordNet model and its draft.")
    parser.add_argument("--data", required=True, help="folder with train.jsonl and heldout.jsonl (wordnet_chat.py --out)")
    parser.add_argument("--tokenizer", required=True, help="folder with tokenizer.json and tokenizer_config.json")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the target (the draft trains for half as many)")
    parser.add_argument("--common-repeats", type=int, default=2, help="times each epoch shows a turn about a common word (wordnet_chat.py's \"common\")")
    parser.add_argument("--limit", type=int, help="train on the first LIMIT turns only: a quick check of the set-up")
    args = parser.parse_args()
    args.device = "cuda"
    args.epochs = {"wordnet": args.epochs, "wordnet-draft": max(1, args.epochs // 2)}
    torch.backends.cuda.matmul.allow_tf32 = True
    os.makedirs(args.out, exist_ok=True)

    tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    turns = read_turns(os.path.join(args.data, "train.jsonl"))[:args.limit]
    train_set = encode(tokenizer, [t for t in turns for _ in range(args.common_repeats if t["common"] else 1)])
    heldout = encode(tokenizer, read_turns(os.path.join(args.data, "heldout.jsonl")))
    used_ids = sorted({t for ids, _ in train_set for t in ids})
    print(f"{len(turns)} training turns ({len(train_set)} with repeats), {sum(len(ids) for ids, _ in train_set)} tokens, {len(used_ids)} distinct ids; {len(heldout)} held out", flush=True)
    loss = UsedVocabLoss(used_ids, args.device)

    target = make_model("wordnet", args.seed, args.device)
    with torch.no_grad():  # rows of ids the data never uses start (and, never indexed, stay) zero
        embedding = target.model.embed_tokens.weight
        keep = torch.zeros(VOCAB, dtype=torch.bool, device=args.device)
        keep[loss.used] = True
        embedding[~keep] = 0
    train("wordnet", target, loss, train_set, heldout, args, os.path.join(args.out, "wordnet.log.jsonl"), list(target.parameters()))
    with torch.no_grad():  # what ships is bf16: measure and draft against exactly that
        for p in target.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    print(f"wordnet (bf16): held-out perplexity {perplexity(target, loss, heldout, args.device):.3f}", flush=True)
    write_pack(os.path.join(args.out, "wordnet.safetensors.gz"), target, used_ids, "wordnet", skip_embedding=False)

    draft = make_model("wordnet-draft", args.seed + 1, args.device)
    with torch.no_grad():
        draft.model.embed_tokens.weight.copy_(target.model.embed_tokens.weight)
    draft.model.embed_tokens.weight.requires_grad_(False)
    train("wordnet-draft", draft, loss, train_set, heldout, args, os.path.join(args.out, "wordnet-draft.log.jsonl"),
          [p for p in draft.parameters() if p.requires_grad])
    with torch.no_grad():
        for p in draft.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    print(f"wordnet-draft (bf16): held-out perplexity {perplexity(draft, loss, heldout, args.device):.3f}", flush=True)
    write_pack(os.path.join(args.out, "wordnet-draft.safetensors.gz"), draft, used_ids, "wordnet-draft", skip_embedding=True)


if __name__ == "__main__":
    main()
