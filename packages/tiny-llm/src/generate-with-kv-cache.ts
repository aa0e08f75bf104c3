// Generation with a KV cache: the prompt is prefilled once, then every step feeds only
// the token just sampled. The loop itself (sampling, EOS, streaming text, timing) is
// week 1's simpleGenerate; what changes is what a step computes.
import * as mx from "@tiny-llm/array";
import type { Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult } from "./generate";
import type { TinyKvCache } from "./kv-cache";
import { NotImplementedError } from "./not-implemented";
import type { ForwardOptions } from "./qwen2-week1";

/** What generation with a cache needs of a model (Qwen2ModelWeek2 is one). */
export interface CachedCausalLM {
  makeCache(): TinyKvCache[];
  /** inputs: N x L token ids past `offset` tokens already in `cache`  ->  N x L x V logits */
  forward(inputs: mx.array, offset: number, cache: TinyKvCache[], opts?: ForwardOptions): mx.array;
}

/**
 * Like simpleGenerate, but each step runs the model on the tokens its cache has not
 * seen: the whole prompt on the first step (prefill), one token on every later step
 * (decode). Same options and result as simpleGenerate.
 *
 * Week 2, day 1, task 3 (book: week2-01-kv-cache.md).
 */
export function simpleGenerateWithKvCache(model: CachedCausalLM, tokenizer: Tokenizer, prompt: string, opts: GenerateOptions = {}): Promise<GenerateResult> {
  throw new NotImplementedError("simpleGenerateWithKvCache", ["week_2_day_1_task_3"], "week2-01-kv-cache.md");
}
