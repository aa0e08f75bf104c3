// Generation with a prefix cache: a request starts from the keys and values of the
// longest prefix of its prompt that earlier requests left, prefills only the rest, and
// leaves its own prompt's blocks for the requests after it.
import type { Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult } from "../generate";
import type { CachedCausalLM } from "../generate-with-kv-cache";
import { NotImplementedError } from "../not-implemented";
import type { PrefixCache } from "./prefix-cache";

/** simpleGenerate's options, with the prefix cache to read and fill. */
export interface PrefixGenerateOptions extends GenerateOptions {
  /** A PrefixCache of this model (new PrefixCache(model, { maxBytes })), shared by the requests: what generation uses of it. */
  prefixCache: Pick<PrefixCache, "model" | "restore" | "store">;
}

/** simpleGenerate's result, with how much of the prompt came from the prefix cache. */
export interface PrefixGenerateResult extends GenerateResult {
  /** Prompt tokens whose keys and values came from the prefix cache: promptTokens - cachedTokens were prefilled. */
  cachedTokens: number;
}

/**
 * simpleGenerateWithKvCache on a cache that prefixCache.restore() filled with the prompt's
 * longest stored prefix, so that the prefill runs only the tokens after it; once the
 * prompt is prefilled, its blocks are stored for later requests. Same tokens as without
 * the prefix cache.
 *
 * Week 2, day 9, task 3 (book: week2-09-prefix-cache.md).
 */
export function simpleGenerateWithPrefixCache(model: CachedCausalLM, tokenizer: Tokenizer, prompt: string, opts: PrefixGenerateOptions): Promise<PrefixGenerateResult> {
  throw new NotImplementedError("simpleGenerateWithPrefixCache", ["week_2_day_9_task_3"], "week2-09-prefix-cache.md");
}
