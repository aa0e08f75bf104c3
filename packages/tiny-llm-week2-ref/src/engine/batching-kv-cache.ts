// The batch's KV cache: the keys and values of the requests decoding together, laid out
// side by side so that one forward pass serves them all.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";
import { checkKeysAndValues, type TinyKvCache } from "../kv-cache";

/** Room is added in steps of this many tokens (as TinyKvFullCache does). */
const STEP = 256;

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

/** A row: the request's own cache, and where its tokens are. */
interface Row {
  cache: TinyKvCache;
  /** Tokens its own cache held when it joined; the batch holds those and the ones decoded since. */
  joined: number;
  /** Its row in the buffers, or -1 until it is laid out; its tokens are columns start .. end - 1. */
  at: number;
  start: number;
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
  private rows: Row[] = [];
  private keys: mx.array | null = null; // R x H_kv x capacity x D
  private values: mx.array | null = null;
  /** The column after every row's last token. */
  private end = 0;
  /** Whether the rows must be laid out again before the next append. */
  private dirty = false;

  get caches(): readonly TinyKvCache[] {
    return this.rows.map((r) => r.cache);
  }

  get offsets(): number[] {
    return this.rows.map((r) => (r.at < 0 ? r.joined : this.end - r.start));
  }

  /** Adds a request's cache (of this layer) as the last row; it must hold at least one token. */
  add(cache: TinyKvCache): void {
    if (cache.offset === 0) throw new ArgumentError("BatchingKvCache.add", "the cache holds no tokens: a request joins the batch after its prefill");
    this.rows.push({ cache, joined: cache.offset, at: -1, start: 0 });
    this.dirty = true;
  }

  /**
   * Removes row `row`; the rows after it move up one. The tokens it decoded in the batch
   * are appended to its own cache first.
   */
  remove(row: number): void {
    if (!(Number.isInteger(row) && row >= 0 && row < this.rows.length)) {
      throw new ArgumentError("BatchingKvCache.remove", `row ${row} is not in the batch of ${this.rows.length} rows`);
    }
    this.handBack(this.rows[row]);
    this.rows.splice(row, 1);
    this.dirty = true;
  }

  /**
   * See TinyKvBatchCache. The mask is 0 where query q of row i (position offsets[i] + q)
   * sees one of the row's keys at positions <= offsets[i] + q, -inf elsewhere (later
   * keys, the padding before the row).
   */
  updateAndFetch(key: mx.array, value: mx.array): [mx.array, mx.array, mx.array] {
    const fn = "BatchingKvCache.updateAndFetch";
    const [N, H, L, D] = checkKeysAndValues(fn, key, value);
    if (N !== this.rows.length || N === 0) {
      throw new ArgumentError(fn, `key has ${N} rows, but the batch holds ${this.rows.length} requests: one row each (N x H_kv x L x D)`);
    }
    if (this.keys !== null && (this.keys.shape[1] !== H || this.keys.shape[3] !== D)) {
      throw new ArgumentError(fn, `key has shape [${key.shape}], but this batch holds H_kv = ${this.keys.shape[1]}, D = ${this.keys.shape[3]}: a batch cache belongs to one layer of one model`);
    }
    if (this.dirty || this.keys === null || this.end + L > this.keys.shape[2]) this.layOut(H, L, D, key.dtype);
    const rows = `0:${N}`;
    mx.assign(this.keys!.slice(rows, ":", `${this.end}:${this.end + L}`), key);
    mx.assign(this.values!.slice(rows, ":", `${this.end}:${this.end + L}`), value);
    this.end += L;
    const first = Math.min(...this.rows.map((r) => r.start));
    const S = this.end - first;
    const mask = new Float32Array(N * L * S).fill(-Infinity);
    this.rows.forEach((r, i) => {
      for (let q = 0; q < L; q++) mask.fill(0, (i * L + q) * S + r.start - first, (i * L + q + 1) * S - L + q + 1);
    });
    const all = `${first}:${this.end}`;
    return [this.keys!.slice(rows, ":", all), this.values!.slice(rows, ":", all), mx.array(mask).reshape(N, 1, L, S)];
  }

  /** Releases the buffers; the rows' decoded tokens go back to their own caches first, and are laid out again at the next step. */
  release(): void {
    for (const r of this.rows) {
      this.handBack(r);
      Object.assign(r, { joined: r.cache.offset, at: -1 });
    }
    this.disposeBuffers();
    this.dirty = true;
  }

  /** Appends the tokens `r` decoded in the batch (those after its own cache's) to its own cache. */
  private handBack(r: Row): void {
    if (r.at < 0 || this.end - r.start === r.joined) return;
    const decoded = (a: mx.array) => a.slice(`${r.at}:${r.at + 1}`, ":", `${r.start + r.joined}:${this.end}`);
    r.cache.updateAndFetch(decoded(this.keys!), decoded(this.values!));
    r.joined = this.end - r.start;
  }

  private disposeBuffers(): void {
    for (const a of [this.keys, this.values]) if (a !== null) mx.dispose(a);
    this.keys = this.values = null;
  }

  /**
   * Copies every row into fresh buffers, right-aligned at the longest row's end, with room
   * for L more tokens and some steps after: rows already laid out from the old buffers,
   * a row that just joined from its own cache.
   */
  private layOut(H: number, L: number, D: number, dtype: mx.Dtype): void {
    const old = this.keys === null || this.values === null ? null : [this.keys, this.values];
    const sources = this.rows.map((r): [mx.array, mx.array] => {
      if (r.at >= 0 && old !== null) return [old[0], old[1]].map((a) => a.slice(`${r.at}:${r.at + 1}`, ":", `${r.start}:${this.end}`)) as [mx.array, mx.array];
      return r.cache.fetch(); // its own cache's tokens
    });
    const longest = Math.max(...sources.map(([k]) => k.shape[2]));
    const capacity = Math.ceil((longest + L) / STEP + 1) * STEP;
    // Kept: the buffers outlive the forward pass (an mx.tidy scope) that makes them.
    const [keys, values] = mx.keep([mx.zeros([this.rows.length, H, capacity, D], dtype), mx.zeros([this.rows.length, H, capacity, D], dtype)]);
    sources.forEach(([k, v], i) => {
      const at = `${longest - k.shape[2]}:${longest}`;
      mx.assign(keys.slice(`${i}:${i + 1}`, ":", at), k);
      mx.assign(values.slice(`${i}:${i + 1}`, ":", at), v);
      Object.assign(this.rows[i], { at: i, start: longest - k.shape[2] });
    });
    this.disposeBuffers();
    [this.keys, this.values, this.end, this.dirty] = [keys, values, longest, false];
  }
}
