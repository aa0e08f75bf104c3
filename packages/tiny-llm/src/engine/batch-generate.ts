// Many prompts at once: the scheduler run to the end, each request's text streamed as it
// comes, and what each request went through.
import type { Tokenizer } from "@tiny-llm/loader";
import { NotImplementedError } from "../not-implemented";
import type { PrefixCache } from "../prefix-cache/prefix-cache";
import type { FinishReason } from "./request";
import type { BatchingCausalLM, SchedulerOptions } from "./scheduler";

/** Options of batchGenerate: the scheduler's, and a stream of text per prompt. */
export interface BatchGenerateOptions extends Omit<SchedulerOptions, "onToken" | "onFinish" | "eosTokenIds"> {
  /** Token ids that end a reply (default the tokenizer's EOS token; [] runs every request to maxTokens). */
  eosTokenIds?: readonly number[];
  /** Called with each piece of a reply's text as soon as it is whole: the prompt's index, the text. */
  onText?: (index: number, text: string) => void;
  /**
   * A prefix cache of this model (day 9): each request starts from the longest stored
   * prefix of its prompt, restored when it is added (so a call's prompts share what
   * earlier calls stored), and stores its prompt's blocks when it ends.
   */
  prefixCache?: Pick<PrefixCache, "model" | "restore" | "store">;
}

/** What one prompt produced, and when. */
export interface BatchResult {
  /** The generated text (without the prompt, without the EOS token). */
  text: string;
  /** The generated token ids (without the EOS token). */
  tokens: number[];
  /** Tokens of the prompt. */
  promptTokens: number;
  finishReason: FinishReason;
  /** Seconds from the call's start to each generated token (the first: its time to first token, waiting included). */
  tokenSeconds: number[];
  /** Seconds from the call's start to its end. */
  finishSeconds: number;
}

/**
 * Generates a reply to every prompt (already chat-templated text, or token ids) with
 * continuous batching: at most batchSize requests in flight, prompts prefilled in chunks
 * of prefillStep tokens between the batch's decode steps, requests joining as others end.
 * Each reply streams through onText as its tokens come; the results are in prompt order.
 * An error (a forward pass, a callback) ends every request, releases their caches and is
 * rethrown.
 *
 * Week 2, day 6, task 4 (book: week2-06-continuous-batching.md).
 */
export function batchGenerate(model: BatchingCausalLM, tokenizer: Tokenizer, prompts: readonly (string | readonly number[])[], opts: BatchGenerateOptions = {}): Promise<BatchResult[]> {
  throw new NotImplementedError("batchGenerate", ["week_2_day_6_task_4"], "week2-06-continuous-batching.md");
}
