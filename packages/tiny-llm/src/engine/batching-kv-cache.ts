// The batch's KV cache: the keys and values of the requests decoding together, laid out
// side by side so that one forward pass serves them all.
import * as mx from "@tiny-llm/array";
import type { TinyKvCache } from "../kv-cache";
import { NotImplementedError } from "../not-implemented";

const TASK = ["week_2_day_6_task_1"];
const CHAPTER = "week2-06-continuous-batching.md";

/** One layer's cache of a batch whose rows sit at their own positions, as the model's attention uses it. */
export interface TinyKvBatchCache {
  /** The rows' own caches, in batch order. */
  readonly caches: readonly TinyKvCache[];
  /** Each row's offset: the tokens it holds, the position its next token takes. */
  readonly offsets: number[];
  /**
   * Appends row i's L new tokens; returns every row's keys and values so far, with the
   * mask of the new tokens' queries.
   *
   *   key, value: N x H_kv x L x D  ->  keys, values: N x H_kv x S x D; mask: N x 1 x L x S
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array];
}

/**
 * One layer's keys and values for a batch of requests at different positions, right-
 * aligned: every row ends at the same column, so that a decode step writes the rows' new
 * tokens with one assign, and a row of S_i tokens starts S - S_i columns in, after
 * padding that the mask hides.
 *
 *   row 0 (5 tokens):  k k k k k        mask of its new query (the last column):  0 0 0 0 0
 *   row 1 (3 tokens):  . . k k k                                                  - - 0 0 0
 *
 * A request that joins brings its own TinyKvCache (prefilled): its keys are copied in.
 * While it decodes, only the batch holds its new tokens; when it leaves (remove), they
 * are appended to its own cache, which then holds its whole sequence again. A join or a
 * leave lays the rows out again in a fresh buffer at the next step (dropping the padding
 * every row has); so does running out of room. (Paged attention, week 3, reads each
 * request's blocks in place instead, with no copy and no padding.)
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

  /** Adds a request's cache (of this layer) as the last row; it must hold at least one token. */
  add(cache: TinyKvCache): void {
    throw new NotImplementedError("BatchingKvCache.add", TASK, CHAPTER);
  }

  /**
   * Removes row `row`; the rows after it move up one. The tokens it decoded in the batch
   * are appended to its own cache first.
   */
  remove(row: number): void {
    throw new NotImplementedError("BatchingKvCache.remove", TASK, CHAPTER);
  }

  /**
   * See TinyKvBatchCache. The mask is 0 where query q of row i (position offsets[i] + q)
   * sees one of the row's keys at positions <= offsets[i] + q, -inf elsewhere (later
   * keys, the padding before the row).
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array] {
    throw new NotImplementedError("BatchingKvCache.updateAndFetch", TASK, CHAPTER);
  }

  /** Releases the buffers; the rows' decoded tokens go back to their own caches first, and are laid out again at the next step. */
  release(): void {
    throw new NotImplementedError("BatchingKvCache.release", TASK, CHAPTER);
  }
}
