// The prefix cache: keys and values of prompt blocks that earlier requests prefilled,
// kept across requests under a budget of bytes, so that a request whose prompt starts
// with them (a system prompt, a conversation so far) prefills only the rest.
import type { CachedCausalLM } from "../generate-with-kv-cache";
import type { TinyKvCache } from "../kv-cache";
import { NotImplementedError } from "../not-implemented";

/** How a PrefixCache cuts prompts and how much it may keep. */
export interface PrefixCacheOptions {
  /** Most bytes of keys and values kept; the least recently used blocks go first. */
  maxBytes: number;
  /** Tokens per block (default 16): prefixes are reused in whole blocks. */
  blockSize?: number;
}

const TASK = ["week_2_day_9_task_2"];
const CHAPTER = "week2-09-prefix-cache.md";

/**
 * Keys and values of prompt blocks, named by blockHashes, for one model. store() copies
 * the full blocks of a prefilled prompt out of its cache; restore() hands a new request a
 * fresh cache of the model already holding the longest stored prefix of its prompt. When
 * the blocks pass maxBytes the least recently used go; a prompt's blocks are used last
 * to first, so that a chain loses its tail before its head.
 *
 * Week 2, day 9, task 2 (book: week2-09-prefix-cache.md).
 */
export class PrefixCache {
  readonly blockSize: number;
  readonly maxBytes: number;
  /** The model whose keys and values this cache holds. */
  readonly model: CachedCausalLM;

  constructor(model: CachedCausalLM, opts: PrefixCacheOptions) {
    throw new NotImplementedError("PrefixCache", TASK, CHAPTER);
  }

  /** Bytes of keys and values held now (at most maxBytes). */
  get bytes(): number {
    throw new NotImplementedError("PrefixCache.bytes", TASK, CHAPTER);
  }

  /** Blocks held now. */
  get size(): number {
    throw new NotImplementedError("PrefixCache.size", TASK, CHAPTER);
  }

  /**
   * Tokens of the longest prefix of `tokens` held, in whole blocks, leaving at least the
   * last token out (its logits give the first new token, so it must be prefilled).
   */
  match(tokens: readonly number[]): number {
    throw new NotImplementedError("PrefixCache.match", TASK, CHAPTER);
  }

  /** A fresh cache of the model (makeCache()) holding the keys and values of match(tokens) tokens. */
  restore(tokens: readonly number[]): TinyKvCache[] {
    throw new NotImplementedError("PrefixCache.restore", TASK, CHAPTER);
  }

  /**
   * Copies the keys and values of the full blocks of `tokens` that `cache` holds (its
   * first offset tokens must be these tokens', as after prefilling them), then evicts
   * the least recently used blocks until at most maxBytes are held.
   */
  store(tokens: readonly number[], cache: TinyKvCache[]): void {
    throw new NotImplementedError("PrefixCache.store", TASK, CHAPTER);
  }
}
