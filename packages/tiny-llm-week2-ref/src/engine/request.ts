// A request and its state: what one prompt has been through in the engine.
import type { TinyKvCache } from "../kv-cache";

/**
 * Why a request ended: "eos", the model ended its reply (during prefill too: its first
 * token); "length", it generated maxTokens tokens; "context", its cache is full (prompt
 * and reply reached the context limit); "error", a forward pass it was in failed.
 */
export type FinishReason = "eos" | "length" | "context" | "error";

/** What a request is given besides its prompt. */
export interface RequestLimits {
  /** Most tokens it generates. */
  maxTokens: number;
  /** Most tokens its cache may hold, prompt and reply: the position limit of its tokens. */
  maxContext: number;
  /** Token ids that end the reply; not counted as generated. */
  eosTokenIds: ReadonlySet<number>;
}

/**
 * One prompt's way through the engine: waiting, then prefilling its prompt into its own
 * per-layer KV cache (in chunks), then decoding in the batch a token a step, then
 * finished. The cache may arrive already holding the prompt's first P tokens (a prefix
 * cache's hit): prefill then starts at position P.
 *
 * Times are performance.now() milliseconds, for time to first token and between tokens.
 *
 * Week 2, day 6, task 3 (book: week2-06-continuous-batching.md).
 */
export class Request {
  /** Generated token ids (without the EOS token). */
  readonly tokens: number[] = [];
  /** When each of `tokens` was sampled (the EOS token's time is `finishedAt`). */
  readonly tokenTimes: number[] = [];
  /** Why it ended; null while it runs. */
  finishReason: FinishReason | null = null;
  /** When it ended (ms); NaN while it runs. */
  finishedAt = NaN;
  /**
   * Tokens fed to the model so far, the position its next token takes: they are in its
   * cache, or in the batch's while it decodes (BatchingKvCache hands them back when it
   * leaves). The scheduler counts them as it feeds them.
   */
  offset: number;

  constructor(
    /** Its index among the requests of a run, in the order they were added. */
    readonly id: number,
    /** The prompt's token ids. */
    readonly prompt: readonly number[],
    /** Its cache, one TinyKvCache per layer, empty or holding the prompt's first tokens; null once released. */
    public cache: TinyKvCache[] | null,
    readonly limits: RequestLimits,
    /** When it arrived (ms). */
    readonly arrivedAt: number,
  ) {
    this.offset = cache?.[0]?.offset ?? 0;
  }

  /** Whether the whole prompt has been fed. */
  get prefilled(): boolean {
    return this.offset >= this.prompt.length;
  }

  /** Whether it has ended. */
  get finished(): boolean {
    return this.finishReason !== null;
  }

  /** The token the next decode step feeds: the last one generated. */
  get lastToken(): number {
    return this.tokens[this.tokens.length - 1];
  }

  /**
   * Takes a sampled token at time `now`: an EOS token ends the request; otherwise the
   * token is generated, and the request ends when it has maxTokens tokens or when the
   * token could not be fed (its position would pass maxContext). Returns `finished`.
   */
  append(token: number, now: number): boolean {
    if (this.finished) throw new Error(`request ${this.id} got token ${token} after it ended (${this.finishReason})`);
    if (this.limits.eosTokenIds.has(token)) return this.finish("eos", now);
    this.tokens.push(token);
    this.tokenTimes.push(now);
    if (this.tokens.length >= this.limits.maxTokens) return this.finish("length", now);
    if (this.offset + 1 > this.limits.maxContext) return this.finish("context", now);
    return false;
  }

  /** Ends the request for `reason` at `now` (its cache stays until release()). Returns true. */
  finish(reason: FinishReason, now: number): boolean {
    this.finishReason ??= reason;
    if (Number.isNaN(this.finishedAt)) this.finishedAt = now;
    return true;
  }

  /** Releases its cache's buffers (once; later calls do nothing). */
  release(): void {
    for (const layer of this.cache ?? []) layer.release();
    this.cache = null;
  }
}
