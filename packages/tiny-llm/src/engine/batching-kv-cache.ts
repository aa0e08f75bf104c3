// The batch's KV cache: the caches of the requests decoding together, laid side by side
// so that one forward pass serves them all.
import * as mx from "@tiny-llm/array";
import type { TinyKvCache } from "../kv-cache";
import { NotImplementedError } from "../not-implemented";

const TASK = ["week_2_day_6_task_1"];
const CHAPTER = "week2-06-continuous-batching.md";

/** One layer's cache of a batch whose rows sit at their own positions, as the model's attention uses it. */
export interface TinyKvBatchCache {
  /** The rows' own caches, in batch order. */
  readonly caches: readonly TinyKvCache[];
  /** Each row's offset: the tokens its own cache holds, the position its next token takes. */
  readonly offsets: number[];
  /**
   * Appends row i's L new tokens to row i's cache; returns every row's keys and values
   * so far, with the mask of the new tokens' queries.
   *
   *   key, value: N x H_kv x L x D  ->  keys, values: N x H_kv x S x D; mask: N x 1 x L x S
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array];
}

/**
 * One layer's keys and values for a batch of requests that sit at different positions.
 * Row i is request i's own TinyKvCache: updateAndFetch appends each row's new tokens to
 * that cache, and returns the rows laid out in one N x H_kv x S x D array (S the longest
 * row; each row from position 0, padded after its end) with the additive mask that hides
 * what a row's queries must not see: the keys after each query's position, the padding
 * among them. RoPE and the mask both follow `offsets`, the rows' own positions.
 *
 * The laid-out copy is kept between steps: a step with the same rows writes only their
 * new tokens into it; a row that joins, or moves up because one before it left, is laid
 * out again from its own cache. (Paged attention, week 3, reads each request's cache in
 * place and needs no copy.)
 *
 * Week 2, day 6, task 1 (book: week2-06-continuous-batching.md).
 */
export class BatchingKvCache implements TinyKvBatchCache {
  get caches(): readonly TinyKvCache[] {
    throw new NotImplementedError("BatchingKvCache.caches", TASK, CHAPTER);
  }

  get offsets(): number[] {
    throw new NotImplementedError("BatchingKvCache.offsets", TASK, CHAPTER);
  }

  /** Adds a request's cache (of this layer) as the last row. */
  add(cache: TinyKvCache): void {
    throw new NotImplementedError("BatchingKvCache.add", TASK, CHAPTER);
  }

  /** Removes row `row`; the rows after it move up one. The request keeps its own cache. */
  remove(row: number): void {
    throw new NotImplementedError("BatchingKvCache.remove", TASK, CHAPTER);
  }

  /**
   * See TinyKvBatchCache. The mask is 0 where query q of row i (position offsets[i] + q)
   * sees key j <= offsets[i] + q, -inf elsewhere (later keys, the row's padding).
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array] {
    throw new NotImplementedError("BatchingKvCache.updateAndFetch", TASK, CHAPTER);
  }

  /** Releases the laid-out copy (the rows' caches stay their requests'). */
  release(): void {
    throw new NotImplementedError("BatchingKvCache.release", TASK, CHAPTER);
  }
}
