// A prompt's prefix as a chain of block hashes (vLLM's and nano-vllm's prefix caching):
// the tokens cut into blocks of blockSize, each block named by the hash of its parent's
// name and its own tokens. Two prompts share block i's name exactly when they share
// every token up to the end of block i, so a prefix is found one block at a time.
import { NotImplementedError } from "../not-implemented";

/**
 * The names of the full blocks of `tokens` (a trailing partial block has none):
 *
 *   hash_0 = sha256(tokens[0 .. B)),  hash_i = sha256(hash_{i-1}, tokens[iB .. (i+1)B))
 *
 * as hex strings, floor(tokens.length / blockSize) of them.
 *
 * Week 2, day 9, task 1 (book: week2-09-prefix-cache.md).
 */
export function blockHashes(tokens: readonly number[], blockSize: number): string[] {
  throw new NotImplementedError("blockHashes", ["week_2_day_9_task_1"], "week2-09-prefix-cache.md");
}
