// The Qwen2 model of week 2: week 1's layers with a KV cache (each step runs only the
// new tokens, RoPE at their positions), and quantized weights kept packed.
import * as mx from "@tiny-llm/array";
import type { LoadedModel, Qwen2Config } from "@tiny-llm/loader";
import type { Activations } from "@tiny-llm/tiny-llm-ext";
import type { TinyKvBatchCache } from "./engine/batching-kv-cache";
import type { TinyKvCache } from "./kv-cache";
import { NotImplementedError } from "./not-implemented";
import type { ForwardOptions } from "./qwen2-week1";

const TASK = ["week_2_day_1_task_2", "week_2_day_6_task_2"];
const CHAPTER = "week2-01-kv-cache.md";

/** How week 2's models run. */
export interface Week2ModelOptions {
  /**
   * What the quantized weights multiply (QuantizedWeights.activations): "float32" (the
   * default) or "int8", x quantized per group as llama.cpp does: faster on the CPU, and on
   * the GPU for prefill and for large products.
   */
  activations?: Activations;
  /**
   * The KV cache's dtype: "float32" (the default, the activations') or "bfloat16" /
   * "float16", which halve the cache's memory and what a decode step reads of it, the
   * larger part of a step at long contexts (llama.cpp keeps its cache in f16 by default).
   * Keys and values are rounded once, when stored; attention reads them as they are.
   */
  kvDtype?: KvDtype;
}

/** The dtypes a KV cache may keep (Week2ModelOptions.kvDtype). */
export type KvDtype = "float32" | "bfloat16" | "float16";

/**
 * Qwen2 with a KV cache: `forward` runs only the tokens not seen yet, at positions
 * `offset` onwards, appending their keys and values to `cache` (one TinyKvCache per
 * layer, from makeCache()). A prompt is prefilled in one call (or in chunks), then each
 * decode step feeds one token. Weights of quantized checkpoints stay packed (embedding
 * and tied head included); activations are float32.
 *
 *   inputs: N x L token ids (int32), offset = tokens already in the cache  ->  N x L x V logits
 *
 * A batch of requests at different positions (continuous batching) passes one offset per
 * row and one BatchingKvCache per layer over the requests' own caches: each row's RoPE
 * at its own positions, attention under the batch cache's mask.
 *
 * Week 2, day 1, task 2, and day 6, task 2 (book: week2-01-kv-cache.md, week2-06-continuous-batching.md).
 */
export class Qwen2ModelWeek2 {
  /** The checkpoint's config.json (the batching engine reads max_position_embeddings). */
  readonly config: Qwen2Config;

  constructor(model: LoadedModel, opts: Week2ModelOptions = {}) {
    throw new NotImplementedError("Qwen2ModelWeek2", TASK, CHAPTER);
  }

  /** A fresh cache for this model: one per layer. */
  makeCache(): TinyKvCache[] {
    throw new NotImplementedError("Qwen2ModelWeek2.makeCache", TASK, CHAPTER);
  }

  forward(inputs: mx.array, offset: number | readonly number[], cache: TinyKvCache[] | TinyKvBatchCache[], opts: ForwardOptions = {}): mx.array {
    throw new NotImplementedError("Qwen2ModelWeek2.forward", TASK, CHAPTER);
  }
}
