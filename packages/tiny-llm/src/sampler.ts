// Choosing the next token from the model's scores.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/** How to pick tokens; every option is off when left out. */
export interface SamplerOptions {
  /** 0 (the default) picks the most likely token (greedy); otherwise logits are divided by it. */
  temperature?: number;
  /** Keep only the k most likely tokens. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probabilities add up to p (nucleus sampling). */
  topP?: number;
  /** Drop tokens less likely than minP times the most likely one. */
  minP?: number;
  /** Seed of the random draws: the same seed gives the same tokens. */
  seed?: number;
}

/** logits: N x V  ->  N token ids (int32). */
export type Sampler = (logits: mx.array) => mx.array;

/**
 * A sampler: greedy when temperature is 0; otherwise softmax(logits / temperature)
 * restricted by top-k, then top-p, then min-p, sampled with a key-based generator seeded
 * by `seed`.
 *
 * Week 1, day 7, task 1 (book: week1-07-generating-text.md).
 */
export function makeSampler(opts: SamplerOptions = {}): Sampler {
  throw new NotImplementedError("makeSampler", ["week_1_day_7_task_1"], "week1-07-generating-text.md");
}
