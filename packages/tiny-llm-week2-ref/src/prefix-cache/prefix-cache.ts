// The prefix cache: keys and values of prompt blocks that earlier requests prefilled,
// kept across requests under a budget of bytes, so that a request whose prompt starts
// with them (a system prompt, a conversation so far) prefills only the rest.
import * as mx from "@tiny-llm/array";
import { ArgumentError } from "@tiny-llm/tiny-llm-week1-ref";
import type { CachedCausalLM } from "../generate-with-kv-cache";
import type { TinyKvCache } from "../kv-cache";
import { blockHashes } from "./block-hash";

/** How a PrefixCache cuts prompts and how much it may keep. */
export interface PrefixCacheOptions {
  /** Most bytes of keys and values kept; the least recently used blocks go first. */
  maxBytes: number;
  /** Tokens per block (default 16): prefixes are reused in whole blocks. */
  blockSize?: number;
}

/** One block's tokens and, per layer, their keys and values (1 x H_kv x blockSize x D, copies). */
interface Block {
  tokens: readonly number[];
  keys: mx.array[];
  values: mx.array[];
  bytes: number;
}

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
  /** By name, least recently used first (a Map keeps insertion order). */
  private readonly blocks = new Map<string, Block>();
  private held = 0;
  /** The model's layers: caches of its makeCache() have one TinyKvCache each. */
  private readonly layers: number;

  constructor(
    /** The model whose keys and values this cache holds. */
    readonly model: CachedCausalLM,
    opts: PrefixCacheOptions,
  ) {
    const fn = "PrefixCache";
    this.blockSize = opts.blockSize ?? 16;
    if (!(Number.isInteger(this.blockSize) && this.blockSize > 0)) throw new ArgumentError(fn, `blockSize must be a positive integer, got ${opts.blockSize}`);
    this.maxBytes = opts.maxBytes;
    if (!(typeof this.maxBytes === "number" && this.maxBytes >= 0 && Number.isFinite(this.maxBytes))) {
      throw new ArgumentError(fn, `maxBytes must be a number of bytes >= 0, got ${String(opts.maxBytes)}`);
    }
    this.layers = model.makeCache().length;
  }

  /** Bytes of keys and values held now (at most maxBytes). */
  get bytes(): number {
    return this.held;
  }

  /** Blocks held now. */
  get size(): number {
    return this.blocks.size;
  }

  /**
   * Tokens of the longest prefix of `tokens` held, in whole blocks, leaving at least the
   * last token out (its logits give the first new token, so it must be prefilled).
   */
  match(tokens: readonly number[]): number {
    return this.chain(tokens).length * this.blockSize;
  }

  /** A fresh cache of the model (makeCache()) holding the keys and values of match(tokens) tokens. */
  restore(tokens: readonly number[]): TinyKvCache[] {
    const chain = this.chain(tokens);
    const cache = this.model.makeCache();
    if (chain.length > 0) {
      cache.forEach((layer, l) => layer.updateAndFetch(mx.concatenate(chain.map(([, b]) => b.keys[l]), 2), mx.concatenate(chain.map(([, b]) => b.values[l]), 2)));
    }
    this.touch(chain);
    return cache;
  }

  /**
   * Copies the keys and values of the full blocks of `tokens` that `cache` holds (its
   * first offset tokens must be these tokens', as after prefilling them), then evicts
   * the least recently used blocks until at most maxBytes are held.
   */
  store(tokens: readonly number[], cache: TinyKvCache[]): void {
    const fn = "PrefixCache.store";
    if (!Array.isArray(cache) || cache.length !== this.layers) {
      throw new ArgumentError(fn, `cache must hold one TinyKvCache per layer of this prefix cache's model (${this.layers}), got ${Array.isArray(cache) ? cache.length : typeof cache}`);
    }
    const held = Math.min(tokens.length, cache[0].offset);
    const names = blockHashes(tokens.slice(0, held), this.blockSize);
    if (names.length === 0) return;
    const state = cache.map((layer) => layer.fetch()); // per layer: N x H_kv x S x D keys and values
    const known = this.blocks.values().next().value;
    const [shape, like] = [state[0][0].shape, known?.keys[0].shape];
    if (shape[0] !== 1 || (like !== undefined && (shape[1] !== like[1] || shape[3] !== like[3]))) {
      throw new ArgumentError(fn, `cache holds keys of shape [${shape}], expected 1 x H_kv x S x D${like ? ` with H_kv = ${like[1]}, D = ${like[3]} as the blocks held` : ""}: a prefix cache belongs to one model, one request a row`);
    }
    const chain = names.map((name, i): [string, Block] => {
      const old = this.blocks.get(name);
      if (old !== undefined) return [name, old];
      const range = `${i * this.blockSize}:${(i + 1) * this.blockSize}`;
      // Copies (concatenate writes a new array), kept beyond any mx.tidy scope around the call.
      const copy = (a: mx.array) => mx.keep(mx.concatenate([a.slice(":", ":", range)], 2));
      const keys = state.map(([k]) => copy(k));
      const values = state.map(([, v]) => copy(v));
      const block = { tokens: tokens.slice(i * this.blockSize, (i + 1) * this.blockSize), keys, values, bytes: [...keys, ...values].reduce((n, a) => n + a.nbytes, 0) };
      this.held += block.bytes;
      return [name, block];
    });
    this.touch(chain);
    for (const [name, block] of this.blocks) {
      if (this.held <= this.maxBytes) break;
      this.blocks.delete(name);
      this.held -= block.bytes;
      for (const a of [...block.keys, ...block.values]) mx.dispose(a);
    }
  }

  /** The held blocks that begin `tokens`, at most (tokens.length - 1) / blockSize of them. */
  private chain(tokens: readonly number[]): [string, Block][] {
    const names = blockHashes(tokens.slice(0, Math.max(0, tokens.length - 1)), this.blockSize);
    const chain: [string, Block][] = [];
    for (const [i, name] of names.entries()) {
      const block = this.blocks.get(name);
      const start = i * this.blockSize;
      if (block === undefined || block.tokens.some((t, j) => t !== tokens[start + j])) break;
      chain.push([name, block]);
    }
    return chain;
  }

  /** Marks a chain's blocks as just used, its head last (the most recent). */
  private touch(chain: [string, Block][]): void {
    for (const [name, block] of [...chain].reverse()) {
      this.blocks.delete(name);
      this.blocks.set(name, block);
    }
  }
}
