// The step loop: each step decides which request prefills and which decode, runs the
// model, and lets finished requests leave the batch so that waiting ones can join.
import * as mx from "@tiny-llm/array";
import type { TinyKvCache } from "../kv-cache";
import { NotImplementedError } from "../not-implemented";
import type { ForwardOptions } from "../qwen2-week1";
import type { Sampler } from "../sampler";
import type { TinyKvBatchCache } from "./batching-kv-cache";
import type { Request } from "./request";

/** What the engine needs of a model (Qwen2ModelWeek2 and Qwen3ModelWeek2 are ones). */
export interface BatchingCausalLM {
  readonly config: { readonly maxPositionEmbeddings: number };
  /** A fresh cache: one TinyKvCache per layer. */
  makeCache(): TinyKvCache[];
  /**
   * One offset for every row and one TinyKvCache per layer, or one offset per row and one
   * TinyKvBatchCache per layer (rows at different positions, a BatchingKvCache).
   *
   *   inputs: N x L token ids, offset: tokens already in the cache  ->  N x L x V logits
   */
  forward(inputs: mx.array, offset: number | readonly number[], cache: TinyKvCache[] | TinyKvBatchCache[], opts?: ForwardOptions): mx.array;
}

/** How the scheduler runs its requests. */
export interface SchedulerOptions {
  /** Most requests in flight at once, prefilling or decoding: the rows of a decode step (default 8). */
  batchSize?: number;
  /** Most prompt tokens one prefill call runs (default 128): a longer prompt is prefilled in chunks, a decode step between two. */
  prefillStep?: number;
  /** Most tokens a request generates (default 256). */
  maxTokens?: number;
  /** Most tokens a request's cache may hold, prompt and reply (default, and at most, the model's max_position_embeddings). */
  maxContext?: number;
  /** Token ids that end a reply (default none: every request runs to maxTokens). */
  eosTokenIds?: readonly number[];
  /** How to pick each token from an N x V array of logits (default greedy). */
  sampler?: Sampler;
  /** Called with each token a request generates, as it comes (never the EOS token). */
  onToken?: (request: Request, token: number) => void;
  /** Called when a request ends, before its cache is released (where a prefix cache would keep its keys). */
  onFinish?: (request: Request) => void;
}

/** What add() takes besides the prompt. */
export interface AddOptions {
  /** This request's maxTokens, instead of the scheduler's. */
  maxTokens?: number;
  /**
   * Its per-layer cache (the model's makeCache()), already holding the prompt's first P
   * tokens, P < prompt length: prefill starts at position P. Default: a fresh cache.
   */
  cache?: TinyKvCache[];
}

const TASK = ["week_2_day_6_task_3", "week_2_day_7_task_1", "week_2_day_7_task_2"];
const CHAPTER = "week2-06-continuous-batching.md";

/**
 * Continuous batching with chunked prefill. Requests wait in arrival order; each step()
 *
 *  1. admits the oldest waiting request when none is prefilling and fewer than batchSize
 *     are decoding;
 *  2. runs the prefilling request's next chunk of at most prefillStep prompt tokens (a
 *     forward of 1 x chunk on its own cache); after the last chunk, its first token is
 *     sampled: it joins the batch, or ends (EOS, maxTokens, the context limit);
 *  3. decodes every request in the batch, one token each, in one forward of N x 1 whose
 *     rows sit at their own offsets (one BatchingKvCache per layer); the ones that end
 *     leave the batch, and their caches are released.
 *
 * So a request joins and leaves between decode steps, and a long prompt delays the
 * batch by one chunk a step, never by its whole prefill. If a step throws (a forward
 * pass, the sampler, a callback), every request not yet ended ends with "error", all
 * caches are released, and step() rethrows.
 *
 * Week 2, day 6, task 3 and day 7, tasks 1 and 2 (book: week2-06-continuous-batching.md, week2-07-chunked-prefill.md).
 */
export class Scheduler {
  readonly batchSize: number;
  readonly prefillStep: number;
  readonly maxTokens: number;
  readonly maxContext: number;

  constructor(model: BatchingCausalLM, opts: SchedulerOptions = {}) {
    throw new NotImplementedError("Scheduler", TASK, CHAPTER);
  }

  /**
   * Queues a prompt (token ids) and returns its request. A prompt longer than maxContext
   * ends at once with "context", having generated nothing.
   */
  add(prompt: readonly number[], opts: AddOptions = {}): Request {
    throw new NotImplementedError("Scheduler.add", TASK, CHAPTER);
  }

  /** Whether every request added has ended. */
  get done(): boolean {
    throw new NotImplementedError("Scheduler.done", TASK, CHAPTER);
  }

  /** Requests waiting, prefilling (0 or 1) and decoding now. */
  get counts(): { waiting: number; prefilling: number; decoding: number } {
    throw new NotImplementedError("Scheduler.counts", TASK, CHAPTER);
  }

  /** One step: admit, one prefill chunk, one decode step (see the class comment); resolves once its tokens are read back. */
  step(): Promise<void> {
    throw new NotImplementedError("Scheduler.step", TASK, CHAPTER);
  }
}
