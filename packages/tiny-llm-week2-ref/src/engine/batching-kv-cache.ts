// The batch's KV cache: the caches of the requests decoding together, laid side by side
// so that one forward pass serves them all.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";
import type { TinyKvCache } from "../kv-cache";

/** Room is added in steps of this many tokens (as TinyKvFullCache does). */
const STEP = 256;

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
  private readonly rows: TinyKvCache[] = [];
  private keys: mx.array | null = null; // R x H_kv x capacity x D, R >= rows
  private values: mx.array | null = null;
  /** Tokens of each row already laid out in keys/values; -1: lay the row out again. */
  private laidOut: number[] = [];

  get caches(): readonly TinyKvCache[] {
    return this.rows;
  }

  get offsets(): number[] {
    return this.rows.map((r) => r.offset);
  }

  /** Adds a request's cache (of this layer) as the last row. */
  add(cache: TinyKvCache): void {
    this.rows.push(cache);
    this.laidOut.push(-1);
  }

  /** Removes row `row`; the rows after it move up one. The request keeps its own cache. */
  remove(row: number): void {
    if (!(Number.isInteger(row) && row >= 0 && row < this.rows.length)) {
      throw new ArgumentError("BatchingKvCache.remove", `row ${row} is not in the batch of ${this.rows.length} rows`);
    }
    this.rows.splice(row, 1);
    this.laidOut.splice(row, 1);
    for (let i = row; i < this.laidOut.length; i++) this.laidOut[i] = -1;
  }

  /**
   * See TinyKvBatchCache. The mask is 0 where query q of row i (position offsets[i] + q)
   * sees key j <= offsets[i] + q, -inf elsewhere (later keys, the row's padding).
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array] {
    const fn = "BatchingKvCache.updateAndFetch";
    for (const [arg, a] of [["key", key], ["value", value]] as const) {
      if (!(a instanceof mx.NDArray) || a.ndim !== 4) {
        throw new ArgumentError(fn, `${arg} must be an mx.array of N x H_kv x L x D, got ${a instanceof mx.NDArray ? `shape [${a.shape}]` : typeof a}`);
      }
    }
    const [N, H, L, D] = key.shape;
    if (value.shape.some((n, i) => n !== key.shape[i])) {
      throw new ArgumentError(fn, `value has shape [${value.shape}], expected the key's [${key.shape}] (N x H_kv x L x D)`);
    }
    if (N !== this.rows.length || N === 0) {
      throw new ArgumentError(fn, `key has ${N} rows, but the batch holds ${this.rows.length} requests: one row each (N x H_kv x L x D)`);
    }
    if (this.keys !== null && (this.keys.shape[1] !== H || this.keys.shape[3] !== D)) {
      throw new ArgumentError(fn, `key has shape [${key.shape}], but this batch holds H_kv = ${this.keys.shape[1]}, D = ${this.keys.shape[3]}: a batch cache belongs to one layer of one model`);
    }
    const row = (a: mx.array, i: number) => a.slice(`${i}:${i + 1}`);
    const fetched = this.rows.map((cache, i) => cache.updateAndFetch(row(key, i), row(value, i))); // 1 x H_kv x S_i x D each
    const lengths = fetched.map(([k]) => k.shape[2]);
    const S = Math.max(...lengths);
    this.reserve(N, H, S, D, key.dtype);
    const [keys, values] = [this.keys!, this.values!];
    fetched.forEach(([k, v], i) => {
      const Si = lengths[i];
      if (this.laidOut[i] === Si - L) { // the copy holds all but the new tokens
        mx.assign(keys.slice(`${i}:${i + 1}`, ":", `${Si - L}:${Si}`), row(key, i));
        mx.assign(values.slice(`${i}:${i + 1}`, ":", `${Si - L}:${Si}`), row(value, i));
      } else {
        mx.assign(keys.slice(`${i}:${i + 1}`, ":", `0:${Si}`), k);
        mx.assign(values.slice(`${i}:${i + 1}`, ":", `0:${Si}`), v);
      }
      this.laidOut[i] = Si;
    });
    const mask = new Float32Array(N * L * S).fill(-Infinity);
    lengths.forEach((Si, i) => {
      for (let q = 0; q < L; q++) mask.fill(0, (i * L + q) * S, (i * L + q) * S + Si - L + q + 1);
    });
    return [keys.slice(`0:${N}`, ":", `0:${S}`), values.slice(`0:${N}`, ":", `0:${S}`), mx.array(mask).reshape(N, 1, L, S)];
  }

  /** Releases the laid-out copy (the rows' caches stay their requests'). */
  release(): void {
    for (const a of [this.keys, this.values]) if (a !== null) mx.dispose(a);
    this.keys = this.values = null;
    this.laidOut.fill(-1);
  }

  /** Makes the copy hold `rows` rows of `tokens` tokens; a new buffer lays every row out again. */
  private reserve(rows: number, H: number, tokens: number, D: number, dtype: mx.Dtype): void {
    const [R, capacity] = this.keys === null ? [0, 0] : [this.keys.shape[0], this.keys.shape[2]];
    if (rows <= R && tokens <= capacity && this.keys!.dtype === dtype) return;
    const grownRows = Math.max(rows, R);
    const grown = Math.ceil(Math.max(tokens, 2 * capacity) / STEP) * STEP;
    this.release();
    // Kept: the buffers outlive the forward pass (an mx.tidy scope) that grows them.
    [this.keys, this.values] = mx.keep([mx.zeros([grownRows, H, grown, D], dtype), mx.zeros([grownRows, H, grown, D], dtype)]);
  }
}
