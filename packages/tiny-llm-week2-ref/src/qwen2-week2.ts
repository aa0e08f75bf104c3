// The Qwen2 model of week 2: week 1's layers with a KV cache (each step runs only the
// new tokens, RoPE at their positions), and quantized weights kept packed. Qwen3's
// model (qwen3-week2.ts) is this one with its own attention weights.
import * as mx from "@tiny-llm/array";
import type { Checkpoint, LoadedModel, ModelType, Qwen2Config } from "@tiny-llm/loader";
import { flashAttention, flashAttentionInt8, type Int8Activations, quantizedQkvRope, quantizedSwiGLU, ropeIntoCache, type Activations } from "@tiny-llm/tiny-llm-ext-ref";
import { ArgumentError, Embedding, type RMSNorm } from "@tiny-llm/tiny-llm-week1-ref";
import type { ForwardOptions } from "@tiny-llm/tiny-llm-week1-ref";
import { FusedRMSNorm, FusedRoPE } from "./fused-layers";
import type { TinyKvBatchCache } from "./engine/batching-kv-cache";
import { TinyKvFullCache, type TinyKvCache } from "./kv-cache";
import { QuantizedEmbedding } from "./quantized-embedding";
import { mergeLinearWeights, splitOutputs } from "./merged-linear";
import { linearWeight, type LinearWeight, quantizesFor } from "./quantized-linear";

/**
 * The tensors of one attention layer: Qwen2's have q/k/v biases; Qwen3's have none, and
 * RMSNorms of D applied to each head's queries and keys before RoPE.
 */
export interface AttentionWeights {
  q: LinearWeight; k: LinearWeight; v: LinearWeight; o: LinearWeight;
  bq?: mx.array; bk?: mx.array; bv?: mx.array;
  qNorm?: RMSNorm; kNorm?: RMSNorm;
}

/** Grouped-query attention with RoPE and a KV cache. */
class Attention {
  /**
   * [W_q; W_k; W_v] merged (merged-linear.ts), and their biases side by side when the model
   * has them, in float32 as the activations are (and as ropeIntoCache reads them). The norm
   * before attention reads qkv to know how the product takes its output.
   */
  readonly qkv: LinearWeight;
  private readonly bqkv: mx.array | undefined;
  private readonly o: LinearWeight;
  private readonly qNorm: RMSNorm | undefined;
  private readonly kNorm: RMSNorm | undefined;

  constructor(
    private readonly config: Qwen2Config,
    private readonly rope: FusedRoPE,
    w: AttentionWeights,
    private readonly kvDtype: KvDtype,
  ) {
    this.qkv = mergeLinearWeights("Qwen2ModelWeek2", [w.q, w.k, w.v]);
    const biases = [w.bq, w.bk, w.bv].filter((b) => b !== undefined);
    this.bqkv = biases.length === 0 ? undefined : mx.concatenate(biases, 0).astype("float32");
    this.o = w.o;
    this.qNorm = w.qNorm;
    this.kNorm = w.kNorm;
  }

  /**
   * x: N x L x E (or its Int8Activations), the tokens at positions offset .. offset + L - 1
   * (row i at offset[i] .. with per-row offsets and a BatchingKvCache)  ->  N x L x E
   */
  forward(x: mx.array | Int8Activations, offset: Offsets, cache: LayerCache): mx.array {
    const [N, L] = x.shape;
    const { numAttentionHeads: Hq, numKeyValueHeads: Hkv, headDim: D } = this.config;
    const [q, keys, values, mask] = this.fusable(x, offset, cache)
      ? this.ropeIntoCache(x, offset as number, cache as TinyKvFullCache)
      : this.ropeAndCache(linearWeight(x, this.qkv, this.bqkv).reshape(N, L, Hq + 2 * Hkv, D), offset, cache);
    // "causal" is bottom-right aligned: query i (position offset + i) sees keys 0 .. offset + i.
    // A batch of rows at their own offsets brings its mask (N x 1 x L x S) instead.
    // The kernel reads the cache's strided views in place and never repeats K/V per group.
    const opts = { mask: mask ?? "causal" } as const;
    // N x H_q x L x D; with int8 activations on the GPU, also quantized for o_proj where its combine runs.
    const { out, quantized } = quantizesFor(q, this.o) ? flashAttentionInt8(q, keys, values, opts, this.o) : { out: flashAttention(q, keys, values, opts) };
    return linearWeight(quantized ?? out.swapaxes(1, 2).reshape(N, L, Hq * D), this.o);
  }

  /**
   * q (N x H_q x L x D) and the cache's keys and values after this step's (N x H_kv x S x D),
   * with the batch's mask when it has one: RoPE on qkv's query and key heads (after the
   * per-head norms of Qwen3), then the keys and values appended to the cache.
   */
  private ropeAndCache(qkv: mx.array, offset: Offsets, cache: LayerCache): [mx.array, mx.array, mx.array, mx.array | undefined] {
    const { numAttentionHeads: Hq, numKeyValueHeads: Hkv } = this.config;
    // Without per-head norms (Qwen2), q's and k's heads take RoPE in one call.
    const [qr, kr] = this.qNorm === undefined && this.kNorm === undefined
      ? splitHeads(this.rope.forward(heads(qkv, 0, Hq + Hkv), offset), Hq)
      : [this.rope.forward(perHead(heads(qkv, 0, Hq), this.qNorm), offset), this.rope.forward(perHead(heads(qkv, Hq, Hq + Hkv), this.kNorm), offset)];
    const k = kr.swapaxes(1, 2); // N x H_kv x L x D
    const v = heads(qkv, Hq + Hkv, Hq + 2 * Hkv).swapaxes(1, 2);
    // Rounded to the cache's dtype once, as they are stored: a cache's buffers take the dtype of the keys it is given.
    const stored = (a: mx.array) => (a.dtype === this.kvDtype ? a : a.astype(this.kvDtype));
    const [keys, values, mask] = cache.updateAndFetch(stored(k), stored(v)); // N x H_kv x S x D, S = offset + L
    return [qr.swapaxes(1, 2), keys, values, mask];
  }

  /**
   * Whether ropeAndCache's work can be one kernel call (ropeIntoCache) instead of about ten
   * ops (a bias add, views, RoPE, two copies into the cache), each a few microseconds of
   * host time at decode on the CPU and 10-15 us of launch recording on the GPU: for a
   * sequence's own cache (TinyKvFullCache) at one offset, float32 (activations and cache),
   * and no per-head norms.
   */
  private fusable(x: mx.array | Int8Activations, offset: Offsets, cache: LayerCache): boolean {
    const float32 = x instanceof mx.NDArray ? x.dtype === "float32" : true; // Int8Activations: made on the GPU from float32
    const plain = this.kvDtype === "float32" && this.qNorm === undefined && this.kNorm === undefined;
    return float32 && plain && typeof offset === "number" && cache instanceof TinyKvFullCache;
  }

  /**
   * ropeAndCache's result with the q/k/v product before it: biases, RoPE and the cache's
   * new slots written in place, by one kernel after the product (ropeIntoCache), or, for
   * quantized weights on the GPU, in the product's own launch (quantizedQkvRope).
   */
  private ropeIntoCache(x: mx.array | Int8Activations, offset: number, cache: TinyKvFullCache): [mx.array, mx.array, mx.array, undefined] {
    const { numAttentionHeads: Hq, numKeyValueHeads: Hkv, headDim: D } = this.config;
    const [N, L] = x.shape;
    const [cos, sin] = this.rope.tables(L, offset);
    const opts = { heads: Hq, kvHeads: Hkv, traditional: this.rope.traditional };
    let q: mx.array | undefined;
    const [keys, values] = cache.updateInPlace([N, Hkv, L, D], "float32", (keySlots, valueSlots) => {
      q = this.qkv instanceof mx.NDArray
        ? ropeIntoCache(linearWeight(x, this.qkv).reshape(N, L, Hq + 2 * Hkv, D), this.bqkv, cos, sin, keySlots, valueSlots, opts)
        : quantizedQkvRope(x, this.qkv, this.bqkv, cos, sin, keySlots, valueSlots, opts);
    });
    return [q!.swapaxes(1, 2), keys, values, undefined];
  }
}

/** The tokens' positions: the first one, or one per row of a batch (continuous batching). */
type Offsets = number | readonly number[];
/** One layer's cache: a sequence's, or a batch's of rows at their own offsets. */
type LayerCache = TinyKvCache | TinyKvBatchCache;
const isBatch = (c: LayerCache): c is TinyKvBatchCache => "offsets" in c;

/** Heads from .. to - 1 of x: N x L x H x D  ->  N x L x (to - from) x D (a view). */
const heads = (x: mx.array, from: number, to: number): mx.array => x.slice(":", ":", `${from}:${to}`);

/** x: N x L x H x D  ->  views of its first `first` heads and of the rest. */
const splitHeads = (x: mx.array, first: number): [mx.array, mx.array] => [heads(x, 0, first), heads(x, first, x.shape[2])];

/** x: N x L x H x D, normed over D when the model has a per-head norm (Qwen3). */
const perHead = (x: mx.array, norm: RMSNorm | undefined): mx.array => (norm === undefined ? x : norm.forward(x));

/** The SwiGLU MLP: down(silu(gate(x)) * up(x)). */
class Mlp {
  /** gateUp: [W_gate; W_up] merged (merged-linear.ts); the norm before the MLP reads it to know how the product takes its output. */
  constructor(readonly w: { gateUp: LinearWeight; down: LinearWeight; intermediate: number }) {}

  /** x: N.. x E (Int8Activations of it for a gateUp quantized with int8 activations)  ->  N.. x E */
  forward(x: mx.array | Int8Activations): mx.array {
    const { gateUp, down, intermediate: I } = this.w;
    // Quantized: the product and SwiGLU in one launch where the GPU's decode kernel runs.
    if (!(gateUp instanceof mx.NDArray)) return linearWeight(quantizedSwiGLU(x, gateUp), down);
    if (!(x instanceof mx.NDArray)) throw new ArgumentError("Mlp.forward", "x is quantized to int8 (Int8Activations), but gate/up are not quantized");
    const [gate, up] = splitOutputs(linearWeight(x, gateUp), [I, I]); // N.. x I each
    // silu(gate) * up as one fused op (the array core's), not week 1's gate * sigmoid(gate) * up: two launches fewer per layer on a GPU.
    return linearWeight(mx.fast.swiglu(gate, up), down);
  }
}

/**
 * A pre-norm block: h = x + attention(norm(x)); out = h + mlp(norm(h)). As in vLLM, the
 * residual stream travels in two parts whose sum it is, and each norm adds them in its
 * own kernel (FusedRMSNorm.addAndForward): two launches a layer instead of four. With int8
 * activations on the GPU each norm also quantizes its output for the product after it
 * (FusedRMSNorm.addAndForwardFor): two launches fewer again.
 */
class Block {
  constructor(
    private readonly inputLayernorm: FusedRMSNorm,
    private readonly selfAttn: Attention,
    private readonly postAttentionLayernorm: FusedRMSNorm,
    private readonly mlp: Mlp,
  ) {}

  /** x + residual (x alone when residual is undefined): N x L x E  ->  [mlp(norm(h)), h], whose sum is out. */
  forward(x: mx.array, residual: mx.array | undefined, offset: Offsets, cache: LayerCache): [mx.array, mx.array] {
    const [input, normed] = this.inputLayernorm.addAndForwardFor(x, residual, this.selfAttn.qkv);
    const [h, hNormed] = this.postAttentionLayernorm.addAndForwardFor(this.selfAttn.forward(normed, offset, cache), input, this.mlp.w.gateUp);
    return [this.mlp.forward(hNormed), h];
  }
}

/** `<base>.weight`, kept quantized (packed) when the checkpoint stores it so, then multiplied by `activations`. */
export function readWeight(weights: Checkpoint, base: string, config: Qwen2Config, activations: Activations = "float32"): LinearWeight {
  const q = config.quantization;
  if (q === null || !weights.has(`${base}.scales`)) return weights.get(`${base}.weight`);
  return { weight: weights.get(`${base}.weight`), scales: weights.get(`${base}.scales`), biases: weights.get(`${base}.biases`), groupSize: q.groupSize, bits: q.bits, activations };
}

/** How week 2's models run. */
export interface Week2ModelOptions {
  /**
   * What the quantized weights multiply (QuantizedWeights.activations): "float32" (the
   * default) or "int8", x quantized per group as llama.cpp does: faster on the CPU, and on
   * the GPU for prefill and for large products.
   */
  activations?: Activations;
  /**
   * The KV cache's dtype: "float32" (the default, the activations') or "bfloat16" /
   * "float16", which halve the cache's memory and what a decode step reads of it, the
   * larger part of a step at long contexts (llama.cpp keeps its cache in f16 by default).
   * Keys and values are rounded once, when stored; attention reads them as they are.
   */
  kvDtype?: KvDtype;
}

/** The dtypes a KV cache may keep (Week2ModelOptions.kvDtype). */
export type KvDtype = "float32" | "bfloat16" | "float16";
const KV_DTYPES: readonly KvDtype[] = ["float32", "bfloat16", "float16"];

/**
 * Qwen2 with a KV cache: `forward` runs only the tokens not seen yet, at positions
 * `offset` onwards, appending their keys and values to `cache` (one TinyKvCache per
 * layer, from makeCache()). A prompt is prefilled in one call (or in chunks), then each
 * decode step feeds one token. Weights of quantized checkpoints stay packed (embedding
 * and tied head included); activations are float32.
 *
 *   inputs: N x L token ids (int32), offset = tokens already in the cache  ->  N x L x V logits
 *
 * A batch of requests at different positions (continuous batching) passes one offset per
 * row and one BatchingKvCache per layer over the requests' own caches: each row's RoPE
 * at its own positions, attention under the batch cache's mask.
 *
 * Week 2, day 1, task 2, and day 6, task 2 (book: week2-01-kv-cache.md, week2-06-continuous-batching.md).
 */
export class Qwen2ModelWeek2 {
  private readonly embedTokens: Embedding | QuantizedEmbedding;
  private readonly layers: Block[];
  private readonly norm: FusedRMSNorm;
  /** The output head: lm_head, or the embedding's table when the two are tied (used backwards, N.. x E -> N.. x V). */
  private readonly head: LinearWeight;
  /** The caches makeCache() handed out: a cache holds one model's keys and values. */
  private readonly ownCaches = new WeakSet<TinyKvCache>();
  /** The checkpoint's config.json (the batching engine reads max_position_embeddings). */
  readonly config: Qwen2Config;
  /** Week2ModelOptions.activations, for every quantized weight. */
  protected readonly activations: Activations;

  constructor(model: LoadedModel, opts: Week2ModelOptions = {}) {
    const c = (this.config = model.config);
    this.activations = opts.activations ?? "float32";
    const kvDtype = opts.kvDtype ?? "float32";
    if (!KV_DTYPES.includes(kvDtype)) throw new ArgumentError(this.constructor.name, `kvDtype must be ${KV_DTYPES.map((d) => `"${d}"`).join(", ")}, got ${JSON.stringify(opts.kvDtype)}`);
    if (c.modelType !== this.modelType()) {
      throw new ArgumentError(this.constructor.name, `${model.path} holds a ${c.architecture ?? c.modelType} checkpoint (model_type "${c.modelType}"), expected model_type "${this.modelType()}"; build it with ${c.modelType === "qwen3" ? "Qwen3ModelWeek2" : "Qwen2ModelWeek2"}`);
    }
    const w = model.weights;
    const weight = (base: string) => readWeight(w, base, c, this.activations);
    const embed = weight("model.embed_tokens");
    this.embedTokens = embed instanceof mx.NDArray ? new Embedding(c.vocabSize, c.hiddenSize, embed) : new QuantizedEmbedding(embed);
    const rope = new FusedRoPE(c.headDim, c.maxPositionEmbeddings, c.ropeTheta, false); // one table for every layer
    this.layers = Array.from({ length: c.numHiddenLayers }, (_, i) => {
      const p = `model.layers.${i}`;
      const attention = new Attention(c, rope, this.attentionWeights(model, `${p}.self_attn`), kvDtype);
      const mlp = new Mlp({
        gateUp: mergeLinearWeights("Qwen2ModelWeek2", [weight(`${p}.mlp.gate_proj`), weight(`${p}.mlp.up_proj`)]),
        down: weight(`${p}.mlp.down_proj`), intermediate: c.intermediateSize,
      });
      return new Block(
        new FusedRMSNorm(c.hiddenSize, w.get(`${p}.input_layernorm.weight`), c.rmsNormEps), attention,
        new FusedRMSNorm(c.hiddenSize, w.get(`${p}.post_attention_layernorm.weight`), c.rmsNormEps), mlp,
      );
    });
    this.norm = new FusedRMSNorm(c.hiddenSize, w.get("model.norm.weight"), c.rmsNormEps);
    this.head = c.tieWordEmbeddings ? embed : weight("lm_head");
  }

  /** The model_type this class runs. */
  protected modelType(): ModelType {
    return "qwen2";
  }

  /** The attention tensors under `prefix` (`model.layers.<i>.self_attn`): Qwen2's, with q/k/v biases. */
  protected attentionWeights(model: LoadedModel, prefix: string): AttentionWeights {
    const weight = (name: string) => readWeight(model.weights, `${prefix}.${name}`, model.config, this.activations);
    const bias = (name: string) => model.weights.get(`${prefix}.${name}.bias`);
    return { q: weight("q_proj"), k: weight("k_proj"), v: weight("v_proj"), o: weight("o_proj"), bq: bias("q_proj"), bk: bias("k_proj"), bv: bias("v_proj") };
  }

  /** A fresh cache for this model: one per layer. */
  makeCache(): TinyKvCache[] {
    const cache = Array.from({ length: this.layers.length }, () => new TinyKvFullCache());
    for (const c of cache) this.ownCaches.add(c);
    return cache;
  }

  forward(inputs: mx.array, offset: number | readonly number[], cache: TinyKvCache[] | TinyKvBatchCache[], opts: ForwardOptions = {}): mx.array {
    const fn = "Qwen2ModelWeek2.forward";
    if (!(inputs instanceof mx.NDArray) || inputs.ndim !== 2) {
      throw new ArgumentError(fn, `inputs must be N x L token ids (int32), got ${inputs instanceof mx.NDArray ? `shape [${inputs.shape}]` : typeof inputs}`);
    }
    if (!Array.isArray(cache) || cache.length !== this.layers.length) {
      throw new ArgumentError(fn, `cache must hold one TinyKvCache per layer (${this.layers.length}), got ${Array.isArray(cache) ? cache.length : typeof cache}: make it with makeCache()`);
    }
    const [N, L] = inputs.shape;
    const perRow = typeof offset !== "number";
    if (cache.some((c) => isBatch(c) !== perRow)) {
      throw new ArgumentError(fn, perRow ? "per-row offsets need one BatchingKvCache per layer" : `offset ${offset} is one number for every row, but the cache holds a BatchingKvCache: pass one offset per row`);
    }
    const rowsOf = (c: LayerCache) => (isBatch(c) ? c.caches : [c]);
    if (cache.some((c) => rowsOf(c).some((r) => !this.ownCaches.has(r)))) {
      throw new ArgumentError(fn, "cache was not made by this model's makeCache(): it would hold another model's keys and values");
    }
    if (perRow) {
      if (!Array.isArray(offset) || offset.length !== N) throw new ArgumentError(fn, `offset has ${Array.isArray(offset) ? offset.length : typeof offset} entries, expected one per row of inputs (${N})`);
      const held = (cache as TinyKvBatchCache[]).map((c) => c.offsets);
      if (held.some((h) => h.length !== N || h.some((o, i) => o !== offset[i]))) {
        throw new ArgumentError(fn, `offsets [${offset}] do not match the batch cache, whose rows hold [${held[0]}] tokens: pass each row's tokens already fed`);
      }
    } else {
      const held = (cache as TinyKvCache[]).map((c) => c.offset);
      if (held.some((o) => o !== offset)) {
        throw new ArgumentError(fn, `offset ${offset} does not match the cache, which holds ${held.join(", ")} tokens per layer: pass the number of tokens already fed`);
      }
    }
    const furthest = typeof offset === "number" ? offset : Math.max(...offset);
    if (furthest + L > this.config.maxPositionEmbeddings) {
      throw new ArgumentError(fn, `positions ${furthest} .. ${furthest + L - 1} pass the model's context of ${this.config.maxPositionEmbeddings} tokens (max_position_embeddings)`);
    }
    // mx.tidy releases each layer's intermediate arrays as it returns, and the hidden
    // states at the end, so their buffers serve the next layer instead of piling up
    // for the garbage collector (see @tiny-llm/array's memory.ts).
    return mx.tidy(() => {
      let x = this.embedTokens.forward(inputs).astype("float32"); // N x L x E
      let residual: mx.array | undefined; // the hidden states are x + residual (Block)
      this.layers.forEach((layer, i) => ([x, residual] = mx.tidy(() => layer.forward(x, residual, offset, cache[i]))));
      const last = (a: mx.array) => (opts.lastOnly ? a.slice(":", "-1:") : a); // N x 1 x E
      const [, h] = this.norm.addAndForwardFor(last(x), residual === undefined ? undefined : last(residual), this.head);
      return linearWeight(h, this.head); // N x L x V
    });
  }
}
