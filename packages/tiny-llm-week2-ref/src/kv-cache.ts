// The KV cache: the keys and values of the tokens seen so far, kept per layer, so that
// a decode step computes attention for its one new token without recomputing the rest.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";

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

/** Checks that key and value are mx.arrays of one shape N x H_kv x L x D (for `fn`'s messages); returns it. */
export function checkKeysAndValues(fn: string, key: mx.array, value: mx.array): readonly number[] {
  for (const [arg, a] of [["key", key], ["value", value]] as const) {
    if (!(a instanceof mx.NDArray) || a.ndim !== 4) {
      throw new ArgumentError(fn, `${arg} must be an mx.array of N x H_kv x L x D, got ${a instanceof mx.NDArray ? `shape [${a.shape}]` : typeof a}`);
    }
  }
  if (value.shape.some((n, i) => n !== key.shape[i])) {
    throw new ArgumentError(fn, `value has shape [${value.shape}], expected the key's [${key.shape}] (N x H_kv x L x D)`);
  }
  return key.shape;
}

/** Room is added in steps of this many tokens, so most steps append without copying. */
const STEP = 256;

/**
 * The whole sequence's keys and values, in a buffer that grows by doubling: an append
 * writes only the new tokens (mx.assign into a slice), and what it returns are views of
 * the buffer, not copies. A full copy happens only when the buffer grows, so appending
 * S tokens one at a time copies O(S) elements in all, not O(S^2).
 *
 * Week 2, day 1, task 1 (book: week2-01-kv-cache.md).
 */
export class TinyKvFullCache implements TinyKvCache {
  private keys: mx.array | null = null; // N x H_kv x capacity x D
  private values: mx.array | null = null;
  private length = 0;

  get offset(): number {
    return this.length;
  }

  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array] {
    const fn = "TinyKvFullCache.updateAndFetch";
    const shape = checkKeysAndValues(fn, key, value);
    return this.append(fn, shape, key.dtype, (keySlots, valueSlots) => {
      mx.assign(keySlots, key);
      mx.assign(valueSlots, value);
    });
  }

  /**
   * updateAndFetch for keys and values that a kernel writes straight into the cache:
   * `write` gets the slots of the L new tokens (views of the buffers, N x H_kv x L x D,
   * in `dtype` when the buffers are new) and fills them, as ropeIntoCache does.
   * Returns what updateAndFetch returns.
   *
   *   shape: [N, H_kv, L, D]  ->  [keys, values]: N x H_kv x S x D, S = offset + L
   */
  updateInPlace(shape: readonly number[], dtype: mx.Dtype, write: (keySlots: mx.array, valueSlots: mx.array) => void): [mx.array, mx.array] {
    return this.append("TinyKvFullCache.updateInPlace", shape, dtype, write);
  }

  /** Tokens the buffers hold before they must grow (0 before the first update). */
  get capacity(): number {
    return this.keys === null ? 0 : this.keys.shape[2];
  }

  /**
   * Counts `n` more tokens as cached, whose keys and values kernels already wrote into
   * the slots after offset without an update: a replayed decode step (DecodeGraph), whose
   * launches write where the step it was captured from wrote, moved on. Reference only.
   */
  commit(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && this.length + n <= this.capacity)) {
      throw new ArgumentError("TinyKvFullCache.commit", `cannot count ${n} more tokens in a cache of ${this.length} with room for ${this.capacity}: expected an integer in 0 .. ${this.capacity - this.length}`);
    }
    this.length += n;
  }

  fetch(): [mx.array, mx.array] {
    if (this.keys === null || this.values === null || this.length === 0) {
      throw new ArgumentError("TinyKvFullCache.fetch", "the cache holds no tokens: nothing to fetch before the first updateAndFetch (or after trim or release to 0)");
    }
    const all = `0:${this.length}`;
    return [this.keys.slice(":", ":", all), this.values.slice(":", ":", all)];
  }

  trim(n: number): void {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.length)) {
      throw new ArgumentError("TinyKvFullCache.trim", `cannot trim ${n} tokens from a cache of ${this.length}: expected an integer in 0 .. ${this.length}`);
    }
    // The buffers keep their room; the trimmed tokens are overwritten by the next update.
    this.length -= n;
  }

  release(): void {
    for (const a of [this.keys, this.values]) if (a !== null) mx.dispose(a);
    this.keys = this.values = null;
    this.length = 0;
  }

  /** Room for shape's L new tokens, whose slots `write` fills; then the views of every token so far. */
  private append(fn: string, shape: readonly number[], dtype: mx.Dtype, write: (keySlots: mx.array, valueSlots: mx.array) => void): [mx.array, mx.array] {
    const [N, H, L, D] = shape;
    if (this.keys !== null && this.values !== null) {
      const [n, h, , d] = this.keys.shape;
      if (N !== n || H !== h || D !== d) {
        throw new ArgumentError(fn, `the new keys have shape [${shape}], but this cache holds N x H_kv x S x D = [${n},${h},${this.length},${d}]: a cache belongs to one layer of one model and one batch`);
      }
    }
    this.reserve(N, H, this.length + L, D, dtype);
    const keys = this.keys!;
    const values = this.values!;
    const added = `${this.length}:${this.length + L}`;
    write(keys.slice(":", ":", added), values.slice(":", ":", added));
    this.length += L;
    const all = `0:${this.length}`;
    return [keys.slice(":", ":", all), values.slice(":", ":", all)];
  }

  /** Makes the buffers hold at least `tokens` tokens, keeping what they hold. */
  private reserve(N: number, H: number, tokens: number, D: number, dtype: mx.Dtype): void {
    const capacity = this.keys === null ? 0 : this.keys.shape[2];
    if (tokens <= capacity) return;
    const grown = Math.ceil(Math.max(tokens, 2 * capacity) / STEP) * STEP;
    // Kept: the buffers outlive the forward pass (an mx.tidy scope) that grows them.
    const [keys, values] = mx.keep([mx.zeros([N, H, grown, D], dtype), mx.zeros([N, H, grown, D], dtype)]);
    if (this.keys !== null && this.values !== null && this.length > 0) {
      const kept = `0:${this.length}`;
      mx.assign(keys.slice(":", ":", kept), this.keys.slice(":", ":", kept));
      mx.assign(values.slice(":", ":", kept), this.values.slice(":", ":", kept));
    }
    this.keys = keys;
    this.values = values;
  }
}
