// Speculative decoding: a small draft model proposes k tokens one at a time, the target
// model scores all of them in one forward, and speculativeAccept keeps the longest prefix
// the target agrees with plus one token of its own. A decode step is bound by reading
// the weights, so the target's forward over k + 1 tokens costs about one step: each
// round yields 1 to k + 1 tokens for one target read and k cheap draft reads.
import type { Tokenizer } from "@tiny-llm/loader";
import type { GenerateOptions, GenerateResult } from "./generate";
import type { CachedCausalLM } from "./generate-with-kv-cache";
import { NotImplementedError } from "./not-implemented";

/** Options of speculative generation: simpleGenerate's, with the sampler given by temperature and seed. */
export interface SpeculativeOptions extends Omit<GenerateOptions, "sampler"> {
  /** Tokens the draft proposes per round, k (default 4). */
  numDraftTokens?: number;
  /** 0 (the default) is greedy: the output is the target's own greedy output. */
  temperature?: number;
  /** Seed of the draws (drafts, accept tests, residuals): the same seed gives the same tokens. */
  seed?: number;
}

/** simpleGenerate's result, with how many drafted tokens the target kept. */
export interface SpeculativeResult extends GenerateResult {
  /** Tokens the draft proposed, over all rounds. */
  draftedTokens: number;
  /** Of those, the ones the target kept: acceptedTokens / draftedTokens is the acceptance rate. */
  acceptedTokens: number;
}

/**
 * Generates from `target` with `draft` proposing numDraftTokens tokens a round: the draft
 * samples them one by one, the target scores them all in one forward, speculativeAccept
 * keeps a prefix and adds the target's next token, and both caches are trimmed back to
 * the tokens kept. Greedy output is exactly the target's; sampled output is distributed
 * as the target's. Both models must share the tokenizer's vocabulary. Greedy needs no
 * distributions: on one-hot rows the rule keeps drafted tokens while they are the
 * target's argmax, so comparing argmaxes gives the same tokens without building V-wide
 * rows every step.
 *
 * Week 2, day 8, task 3 (book: week2-08-speculative-decoding.md).
 */
export function speculativeGenerate(target: CachedCausalLM, draft: CachedCausalLM, tokenizer: Tokenizer, prompt: string, opts: SpeculativeOptions = {}): Promise<SpeculativeResult> {
  throw new NotImplementedError("speculativeGenerate", ["week_2_day_8_task_3"], "week2-08-speculative-decoding.md");
}
