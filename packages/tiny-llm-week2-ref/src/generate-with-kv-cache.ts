// Generation with a KV cache: the prompt is prefilled once, then every step feeds only
// the token just sampled. The loop itself (sampling, EOS, streaming text, timing) is
// week 1's simpleGenerate; what changes is what a step computes.
import * as mx from "@tiny-llm/array";
import type { Tokenizer } from "@tiny-llm/loader";
import { simpleGenerate, type CausalLM, type ForwardOptions, type GenerateOptions, type GenerateResult } from "@tiny-llm/tiny-llm-week1-ref";
import type { TinyKvCache } from "./kv-cache";

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
  const cache = model.makeCache();
  // simpleGenerate hands over the whole sequence so far; the cache holds all but its tail.
  const step: CausalLM = {
    forward(inputs: mx.array, forwardOpts?: ForwardOptions): mx.array {
      const offset = cache[0]?.offset ?? 0;
      return model.forward(inputs.slice(":", `${offset}:`), offset, cache, forwardOpts);
    },
  };
  return simpleGenerate(step, tokenizer, prompt, opts);
}
