// The step loop: each step decides which request prefills and which decode, runs the
// model, and lets finished requests leave the batch so that waiting ones can join.
import * as mx from "@tiny-llm/array";
import { ArgumentError, makeSampler, type ForwardOptions, type Sampler } from "@tiny-llm/tiny-llm-week1-ref";
import type { TinyKvCache } from "../kv-cache";
import { BatchingKvCache, type TinyKvBatchCache } from "./batching-kv-cache";
import { Request, type FinishReason } from "./request";

/** What the engine needs of a model (Qwen2ModelWeek2 and Qwen3ModelWeek2 are ones). */
export interface BatchingCausalLM {
  readonly config: { readonly maxPositionEmbeddings: number };
  /** A fresh cache: one TinyKvCache per layer. */
  makeCache(): TinyKvCache[];
  /**
   * One offset for every row and one TinyKvCache per layer, or one offset per row and one
   * TinyKvBatchCache per layer (rows at different positions, a BatchingKvCache).
   *
   *   inputs: N x L token ids, offset: tokens already in the cache  ->  N x L x V logits
   */
  forward(inputs: mx.array, offset: number | readonly number[], cache: TinyKvCache[] | TinyKvBatchCache[], opts?: ForwardOptions): mx.array;
}

/** How the scheduler runs its requests. */
export interface SchedulerOptions {
  /** Most requests in flight at once, prefilling or decoding: the rows of a decode step (default 8). */
  batchSize?: number;
  /** Most prompt tokens one prefill call runs (default 128): a longer prompt is prefilled in chunks, a decode step between two. */
  prefillStep?: number;
  /** Most tokens a request generates (default 256). */
  maxTokens?: number;
  /** Most tokens a request's cache may hold, prompt and reply (default, and at most, the model's max_position_embeddings). */
  maxContext?: number;
  /** Token ids that end a reply (default none: every request runs to maxTokens). */
  eosTokenIds?: readonly number[];
  /** How to pick each token from an N x V array of logits (default greedy). */
  sampler?: Sampler;
  /** Called with each token a request generates, as it comes (never the EOS token). */
  onToken?: (request: Request, token: number) => void;
  /** Called when a request ends, before its cache is released (where a prefix cache would keep its keys). */
  onFinish?: (request: Request) => void;
}

/** What add() takes besides the prompt. */
export interface AddOptions {
  /** This request's maxTokens, instead of the scheduler's. */
  maxTokens?: number;
  /**
   * Its per-layer cache (the model's makeCache()), already holding the prompt's first P
   * tokens, P < prompt length: prefill starts at position P. Default: a fresh cache.
   */
  cache?: TinyKvCache[];
}

const positiveInt = (fn: string, name: string, n: unknown): number => {
  if (!(typeof n === "number" && Number.isInteger(n) && n > 0)) throw new ArgumentError(fn, `${name} must be a positive integer, got ${String(n)}`);
  return n;
};

/**
 * Continuous batching with chunked prefill. Requests wait in arrival order; each step()
 *
 *  1. admits the oldest waiting request when none is prefilling and fewer than batchSize
 *     are decoding;
 *  2. runs the prefilling request's next chunk of at most prefillStep prompt tokens (a
 *     forward of 1 x chunk on its own cache); after the last chunk, its first token is
 *     sampled: it joins the batch, or ends (EOS, maxTokens, the context limit);
 *  3. decodes every request in the batch, one token each, in one forward of N x 1 whose
 *     rows sit at their own offsets (one BatchingKvCache per layer); the ones that end
 *     leave the batch, and their caches are released.
 *
 * So a request joins and leaves between decode steps, and a long prompt delays the
 * batch by one chunk a step, never by its whole prefill. If a step throws (a forward
 * pass, the sampler, a callback), every request not yet ended ends with "error", all
 * caches are released, and step() rethrows.
 *
 * Week 2, day 6, task 3 and day 7, tasks 1 and 2 (book: week2-06-continuous-batching.md, week2-07-chunked-prefill.md).
 */
export class Scheduler {
  readonly batchSize: number;
  readonly prefillStep: number;
  readonly maxTokens: number;
  readonly maxContext: number;
  private readonly eos: ReadonlySet<number>;
  private readonly sampler: Sampler;
  private readonly waiting: Request[] = [];
  private prefilling: Request | null = null;
  /** The requests decoding, in the batch caches' row order. */
  private readonly running: Request[] = [];
  /** One per layer, over the running requests' caches. */
  private readonly batchCache: BatchingKvCache[] = [];
  private added = 0;

  constructor(
    private readonly model: BatchingCausalLM,
    private readonly opts: SchedulerOptions = {},
  ) {
    const fn = "Scheduler";
    this.batchSize = positiveInt(fn, "batchSize", opts.batchSize ?? 8);
    this.prefillStep = positiveInt(fn, "prefillStep", opts.prefillStep ?? 128);
    this.maxTokens = positiveInt(fn, "maxTokens", opts.maxTokens ?? 256);
    const limit = model.config.maxPositionEmbeddings;
    this.maxContext = positiveInt(fn, "maxContext", opts.maxContext ?? limit);
    if (this.maxContext > limit) throw new ArgumentError(fn, `maxContext ${this.maxContext} passes the model's context of ${limit} tokens (max_position_embeddings)`);
    this.eos = new Set(opts.eosTokenIds ?? []);
    this.sampler = opts.sampler ?? makeSampler();
  }

  /**
   * Queues a prompt (token ids) and returns its request. A prompt longer than maxContext
   * ends at once with "context", having generated nothing.
   */
  add(prompt: readonly number[], opts: AddOptions = {}): Request {
    const fn = "Scheduler.add";
    if (!Array.isArray(prompt) || prompt.length === 0 || !prompt.every((t) => Number.isInteger(t) && t >= 0)) {
      throw new ArgumentError(fn, `prompt must be a non-empty array of token ids, got ${Array.isArray(prompt) ? `[${prompt.slice(0, 8)}${prompt.length > 8 ? ", ..." : ""}]` : typeof prompt}`);
    }
    const maxTokens = positiveInt(fn, "maxTokens", opts.maxTokens ?? this.maxTokens);
    const cache = opts.cache ?? this.model.makeCache();
    const cached = cache[0]?.offset ?? 0;
    if (cached >= prompt.length) {
      throw new ArgumentError(fn, `the cache given holds ${cached} tokens, but the prompt has ${prompt.length}: at least the prompt's last token must be prefilled (its logits give the first token)`);
    }
    const request = new Request(this.added++, prompt, cache, { maxTokens, maxContext: this.maxContext, eosTokenIds: this.eos }, performance.now());
    if (prompt.length > this.maxContext) this.retire(request, "context");
    else this.waiting.push(request);
    return request;
  }

  /** Whether every request added has ended. */
  get done(): boolean {
    return this.waiting.length === 0 && this.prefilling === null && this.running.length === 0;
  }

  /** Requests waiting, prefilling (0 or 1) and decoding now. */
  get counts(): { waiting: number; prefilling: number; decoding: number } {
    return { waiting: this.waiting.length, prefilling: this.prefilling === null ? 0 : 1, decoding: this.running.length };
  }

  /** One step: admit, one prefill chunk, one decode step (see the class comment); resolves once its tokens are read back. */
  async step(): Promise<void> {
    try {
      if (this.prefilling === null && this.waiting.length > 0 && this.running.length < this.batchSize) {
        this.prefilling = this.waiting.shift()!;
      }
      if (this.prefilling !== null) await this.prefillChunk(this.prefilling);
      if (this.running.length > 0) await this.decode();
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Runs the prefilling request's next chunk; after its last, samples its first token. */
  private async prefillChunk(request: Request): Promise<void> {
    const cache = request.cache!; // in flight: not released
    const start = request.offset;
    const chunk = request.prompt.slice(start, start + this.prefillStep);
    const logits = this.model.forward(mx.array([chunk], "int32"), start, cache, { lastOnly: true }); // 1 x 1 x V
    request.offset += chunk.length;
    if (!request.prefilled) return;
    this.prefilling = null;
    const [token] = await this.sample(logits);
    if (this.accept(request, token)) return this.retire(request, request.finishReason!);
    this.running.push(request);
    cache.forEach((layer, i) => (this.batchCache[i] ??= new BatchingKvCache()).add(layer));
  }

  /** One token for every running request, in one batched forward. */
  private async decode(): Promise<void> {
    const rows = this.running;
    const inputs = mx.array(rows.map((r) => [r.lastToken]), "int32"); // N x 1
    const logits = this.model.forward(inputs, rows.map((r) => r.offset), this.batchCache, { lastOnly: true }); // N x 1 x V
    for (const r of rows) r.offset += 1;
    const ended = (await this.sample(logits)).map((token, i) => this.accept(rows[i], token));
    // The ended leave the batch (their keys back in their own caches), then retire.
    const leaving = rows.filter((_, i) => ended[i]);
    for (let i = rows.length - 1; i >= 0; i--) {
      if (!ended[i]) continue;
      rows.splice(i, 1);
      for (const layer of this.batchCache) layer.remove(i);
    }
    if (rows.length === 0) for (const layer of this.batchCache) layer.release();
    for (const r of leaving) this.retire(r, r.finishReason!);
  }

  /**
   * The sampler's token for each row of N x 1 x V logits, read back (one await). The
   * logits are released then: left to the garbage collector, a batch's (8 x 151,936
   * floats, 4.9 MB a step) made V8 run a full collection every third decode step.
   */
  private async sample(logits: mx.array): Promise<number[]> {
    const [N, , V] = logits.shape;
    const rows = logits.reshape(N, V);
    const tokens = this.sampler(rows);
    try {
      return Array.from(await tokens.data(), Number);
    } finally {
      for (const a of [tokens, rows, logits]) mx.dispose(a);
    }
  }

  /** Gives `request` its sampled token (streamed unless EOS). Returns whether that ended it. */
  private accept(request: Request, token: number): boolean {
    const ended = request.append(token, performance.now());
    if (!request.limits.eosTokenIds.has(token)) this.opts.onToken?.(request, token);
    return ended;
  }

  /** Ends `request` (if it has not) and releases its cache after onFinish. */
  private retire(request: Request, reason: FinishReason): void {
    request.finish(reason, performance.now());
    try {
      this.opts.onFinish?.(request);
    } finally {
      request.release();
    }
  }

  /** After a failure: every request not yet ended ends with "error"; every cache is released. */
  private abort(): void {
    const now = performance.now();
    const live = [...this.waiting.splice(0), ...this.running.splice(0), ...(this.prefilling === null ? [] : [this.prefilling])];
    this.prefilling = null;
    this.batchCache.splice(0).forEach((layer) => layer.release()); // before the requests' own caches go
    for (const request of live) {
      request.finish("error", now);
      request.release();
    }
  }
}
