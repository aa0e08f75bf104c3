// The Qwen3 model of week 2: Qwen2ModelWeek2 (KV cache, packed quantized weights, flash
// attention) with Qwen3's attention tensors: no q/k/v biases (config attention_bias),
// an RMSNorm of D on each head's queries and keys before RoPE (`q_norm`, `k_norm`), and
// the head size D from config.json's head_dim (already what the Qwen2 model uses).
import * as mx from "@tiny-llm/array";
import type { LoadedModel } from "@tiny-llm/loader";
import type { TinyKvCache } from "./kv-cache";
import { NotImplementedError } from "./not-implemented";
import type { ForwardOptions } from "./qwen2-week1";
import type { Week2ModelOptions } from "./qwen2-week2";

const TASK = ["week_2_qwen3_task_2"];
const CHAPTER = "week2-qwen3.md";

/**
 * Qwen3 with a KV cache, as Qwen2ModelWeek2 runs Qwen2: `forward` runs only the tokens
 * not seen yet, at positions `offset` onwards, appending their keys and values to
 * `cache` (from makeCache()). Tied and untied heads, bf16 and MLX-quantized weights.
 *
 *   inputs: N x L token ids (int32), offset = tokens already in the cache  ->  N x L x V logits
 *
 * Week 2, Qwen3, task 2 (book: week2-qwen3.md).
 */
export class Qwen3ModelWeek2 {
  constructor(model: LoadedModel, opts: Week2ModelOptions = {}) {
    throw new NotImplementedError("Qwen3ModelWeek2", TASK, CHAPTER);
  }

  /** A fresh cache for this model: one per layer. */
  makeCache(): TinyKvCache[] {
    throw new NotImplementedError("Qwen3ModelWeek2.makeCache", TASK, CHAPTER);
  }

  forward(inputs: mx.array, offset: number, cache: TinyKvCache[], opts: ForwardOptions = {}): mx.array {
    throw new NotImplementedError("Qwen3ModelWeek2.forward", TASK, CHAPTER);
  }
}
