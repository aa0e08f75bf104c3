// A prompt's prefix as a chain of block hashes (vLLM's and nano-vllm's prefix caching):
// the tokens cut into blocks of blockSize, each block named by the hash of its parent's
// name and its own tokens. Two prompts share block i's name exactly when they share
// every token up to the end of block i, so a prefix is found one block at a time.
import { createHash } from "node:crypto";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";

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
  const fn = "blockHashes";
  if (!(Number.isInteger(blockSize) && blockSize > 0)) throw new ArgumentError(fn, `blockSize must be a positive integer, got ${blockSize}`);
  const bad = tokens.find((t) => !(Number.isInteger(t) && t >= 0 && t < 2 ** 31));
  if (bad !== undefined) throw new ArgumentError(fn, `tokens must be token ids (integers >= 0), got ${bad}`);
  const hashes: string[] = [];
  for (let start = 0; start + blockSize <= tokens.length; start += blockSize) {
    const h = createHash("sha256");
    if (hashes.length > 0) h.update(hashes[hashes.length - 1]);
    h.update(new Uint8Array(Int32Array.from(tokens.slice(start, start + blockSize)).buffer));
    hashes.push(h.digest("hex"));
  }
  return hashes;
}
