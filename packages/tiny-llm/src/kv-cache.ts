// The KV cache: the keys and values of the tokens seen so far, kept per layer, so that
// a decode step computes attention for its one new token without recomputing the rest.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/** One layer's cache, as the model's attention uses it. */
export interface TinyKvCache {
  /** Tokens cached so far: the position the next token takes. */
  readonly offset: number;
  /**
   * Appends the keys and values of L new tokens and returns those of every token so
   * far, the new ones last.
   *
   *   key, value: N x H_kv x L x D  ->  [keys, values]: N x H_kv x S x D, S = offset + L
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array];
  /**
   * Forgets the last `n` tokens (0 <= n <= offset), so that offset drops by n and the next
   * update takes their positions: how speculative decoding takes back drafted tokens the
   * target rejected. Arrays an earlier updateAndFetch returned may see the next update.
   *
   * Week 2, day 8, task 1 (book: week2-08-speculative-decoding.md).
   */
  trim(n: number): void;
  /**
   * The keys and values of every token so far, without adding any: views, as
   * updateAndFetch returns them (copy what must outlive the next update). An empty cache
   * has none and throws.
   *
   *   ->  [keys, values]: N x H_kv x S x D, S = offset
   *
   * Week 2, day 9, task 2 (book: week2-09-prefix-cache.md).
   */
  fetch(): [mx.array, mx.array];
  /**
   * Releases the cache's buffers (mx.dispose): offset drops to 0 and the memory serves
   * the next allocation. How a serving engine gives back a finished or failed request's
   * cache at once, rather than when the garbage collector next runs.
   *
   * Week 2, day 7, task 2 (book: week2-07-chunked-prefill.md).
   */
  release(): void;
}

const TASK = ["week_2_day_1_task_1"];
const CHAPTER = "week2-01-kv-cache.md";

/**
 * The whole sequence's keys and values, in a buffer that grows by doubling: an append
 * writes only the new tokens (mx.assign into a slice), and what it returns are views of
 * the buffer, not copies. A full copy happens only when the buffer grows, so appending
 * S tokens one at a time copies O(S) elements in all, not O(S^2).
 *
 * Week 2, day 1, task 1 (book: week2-01-kv-cache.md).
 */
export class TinyKvFullCache implements TinyKvCache {
  get offset(): number {
    throw new NotImplementedError("TinyKvFullCache.offset", TASK, CHAPTER);
  }

  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array] {
    throw new NotImplementedError("TinyKvFullCache.updateAndFetch", TASK, CHAPTER);
  }

  fetch(): [mx.array, mx.array] {
    throw new NotImplementedError("TinyKvFullCache.fetch", ["week_2_day_9_task_2"], "week2-09-prefix-cache.md");
  }

  trim(n: number): void {
    throw new NotImplementedError("TinyKvFullCache.trim", ["week_2_day_8_task_1"], "week2-08-speculative-decoding.md");
  }

  release(): void {
    throw new NotImplementedError("TinyKvFullCache.release", ["week_2_day_7_task_2"], "week2-07-chunked-prefill.md");
  }
}
