// The Qwen2 model of week 1: attention with RoPE and grouped heads, the transformer
// block, and the whole model wired to a checkpoint's tensors. Every step recomputes the
// whole sequence (week 2 adds the KV cache).
import * as mx from "@tiny-llm/array";
import type { Checkpoint, LoadedModel } from "@tiny-llm/loader";
import { scaledDotProductAttentionGrouped } from "./attention";
import { linear } from "./basics";
import { ArgumentError, checkFloatArray } from "./checks";
import { Embedding } from "./embedding";
import { Qwen2MLP } from "./mlp";
import { RoPE } from "./positional-encoding";
import { dequantizeLinear } from "./quantize";
import { RMSNorm } from "./rms-norm";

/** The tensors of one attention layer, named as in the checkpoint (`self_attn.q_proj.weight` ...). */
export interface Qwen2AttentionWeights {
  /** (H_q x D) x E, (H_kv x D) x E, (H_kv x D) x E, E x (H_q x D) */
  wq: mx.array; wk: mx.array; wv: mx.array; wo: mx.array;
  /** H_q x D, H_kv x D, H_kv x D: Qwen2's q/k/v projections have biases. */
  bq: mx.array; bk: mx.array; bv: mx.array;
}

/**
 * Qwen2's attention: project x to H_q query heads and H_kv key/value heads (with
 * biases), rotate queries and keys with half-split RoPE, attend with grouped heads
 * under `mask` (causal for a language model), merge the heads and project back.
 *
 *   x: N x L x E  ->  N x L x E
 *
 * Week 1, day 5, task 1 (book: week1-05-qwen2-model.md).
 */
export class Qwen2MultiHeadAttention {
  readonly headDim: number;
  private readonly rope: RoPE;

  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    readonly numKvHeads: number,
    readonly weights: Qwen2AttentionWeights,
    readonly maxSeqLen = 32768,
    readonly theta = 1000000,
  ) {
    if (hiddenSize % numHeads !== 0 || numHeads % numKvHeads !== 0) {
      throw new ArgumentError("Qwen2MultiHeadAttention", `hiddenSize ${hiddenSize}, numHeads ${numHeads}, numKvHeads ${numKvHeads}: expected hiddenSize = H_q x D and H_q a multiple of H_kv`);
    }
    this.headDim = hiddenSize / numHeads;
    this.rope = new RoPE(this.headDim, maxSeqLen, theta, false);
  }

  forward(x: mx.array, mask: mx.array | "causal" = "causal"): mx.array {
    checkFloatArray("Qwen2MultiHeadAttention.forward", "x", x, "N x L x E", 3);
    const [N, L] = x.shape;
    const { wq, wk, wv, wo, bq, bk, bv } = this.weights;
    const [Hq, Hkv, D] = [this.numHeads, this.numKvHeads, this.headDim];
    const q = this.rope.forward(linear(x, wq, bq).reshape(N, L, Hq, D)); // N x L x H_q x D
    const k = this.rope.forward(linear(x, wk, bk).reshape(N, L, Hkv, D)); // N x L x H_kv x D
    const v = linear(x, wv, bv).reshape(N, L, Hkv, D);
    const out = scaledDotProductAttentionGrouped(q.swapaxes(1, 2), k.swapaxes(1, 2), v.swapaxes(1, 2), { mask }); // N x H_q x L x D
    return linear(out.swapaxes(1, 2).reshape(N, L, Hq * D), wo);
  }
}

/** The tensors of one transformer block, named as in the checkpoint (`model.layers.<i>.*`). */
export interface Qwen2BlockWeights extends Qwen2AttentionWeights {
  /** I x E, I x E, E x I */
  wGate: mx.array; wUp: mx.array; wDown: mx.array;
  /** E each: the RMSNorm weights before attention and before the MLP. */
  wInputLayernorm: mx.array; wPostAttentionLayernorm: mx.array;
}

/**
 * One pre-norm transformer block: h = x + attention(norm(x)); out = h + mlp(norm(h)).
 *
 *   x: N x L x E  ->  N x L x E
 *
 * Week 1, day 5, task 2 (book: week1-05-qwen2-model.md).
 */
export class Qwen2TransformerBlock {
  private readonly inputLayernorm: RMSNorm;
  private readonly selfAttn: Qwen2MultiHeadAttention;
  private readonly postAttentionLayernorm: RMSNorm;
  private readonly mlp: Qwen2MLP;

  constructor(
    readonly numAttentionHeads: number,
    readonly numKvHeads: number,
    readonly hiddenSize: number,
    readonly intermediateSize: number,
    readonly rmsNormEps: number,
    weights: Qwen2BlockWeights,
    readonly maxSeqLen = 32768,
    readonly theta = 1000000,
  ) {
    this.inputLayernorm = new RMSNorm(hiddenSize, weights.wInputLayernorm, rmsNormEps);
    this.selfAttn = new Qwen2MultiHeadAttention(hiddenSize, numAttentionHeads, numKvHeads, weights, maxSeqLen, theta);
    this.postAttentionLayernorm = new RMSNorm(hiddenSize, weights.wPostAttentionLayernorm, rmsNormEps);
    this.mlp = new Qwen2MLP(hiddenSize, intermediateSize, weights.wGate, weights.wUp, weights.wDown);
  }

  forward(x: mx.array, mask: mx.array | "causal" = "causal"): mx.array {
    const h = x.add(this.selfAttn.forward(this.inputLayernorm.forward(x), mask));
    return h.add(this.mlp.forward(this.postAttentionLayernorm.forward(h)));
  }
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Only the last position's logits (N x 1 x V): all a generation step needs. */
  lastOnly?: boolean;
}

/**
 * The whole Qwen2 model, wired to a checkpoint: embed -> blocks -> final RMSNorm ->
 * lm_head (or the tied embedding). Quantized linear weights and embeddings are
 * dequantized once, when the model is built. Activations are float32 whatever the
 * weights' dtype.
 *
 *   inputs: N x L token ids (int32)  ->  N x L x V logits (float32)
 *
 * Week 1, day 6, task 2 (book: week1-06-loading-checkpoints.md).
 */
export class Qwen2ModelWeek1 {
  private readonly embedTokens: Embedding;
  private readonly layers: Qwen2TransformerBlock[];
  private readonly norm: RMSNorm;
  private readonly lmHead: mx.array | null;

  constructor(model: LoadedModel) {
    const c = model.config;
    const weight = (base: string) => loadWeight(model.weights, base, c.quantization);
    this.embedTokens = new Embedding(c.vocabSize, c.hiddenSize, weight("model.embed_tokens"));
    this.layers = Array.from({ length: c.numHiddenLayers }, (_, i) => {
      const p = `model.layers.${i}`;
      const get = (name: string) => model.weights.get(`${p}.${name}`);
      return new Qwen2TransformerBlock(c.numAttentionHeads, c.numKeyValueHeads, c.hiddenSize, c.intermediateSize, c.rmsNormEps, {
        wq: weight(`${p}.self_attn.q_proj`), wk: weight(`${p}.self_attn.k_proj`),
        wv: weight(`${p}.self_attn.v_proj`), wo: weight(`${p}.self_attn.o_proj`),
        bq: get("self_attn.q_proj.bias"), bk: get("self_attn.k_proj.bias"), bv: get("self_attn.v_proj.bias"),
        wGate: weight(`${p}.mlp.gate_proj`), wUp: weight(`${p}.mlp.up_proj`), wDown: weight(`${p}.mlp.down_proj`),
        wInputLayernorm: get("input_layernorm.weight"), wPostAttentionLayernorm: get("post_attention_layernorm.weight"),
      }, c.maxPositionEmbeddings, c.ropeTheta);
    });
    this.norm = new RMSNorm(c.hiddenSize, model.weights.get("model.norm.weight"), c.rmsNormEps);
    this.lmHead = c.tieWordEmbeddings ? null : weight("lm_head");
  }

  forward(inputs: mx.array, opts: ForwardOptions = {}): mx.array {
    if (!(inputs instanceof mx.NDArray) || inputs.ndim !== 2) {
      throw new ArgumentError("Qwen2ModelWeek1.forward", `inputs must be N x L token ids (int32), got ${inputs instanceof mx.NDArray ? `shape [${inputs.shape}]` : typeof inputs}`);
    }
    let h = this.embedTokens.forward(inputs).astype("float32"); // N x L x E
    for (const layer of this.layers) h = layer.forward(h, "causal");
    if (opts.lastOnly) h = h.slice(":", "-1:"); // N x 1 x E
    h = this.norm.forward(h);
    return this.lmHead === null ? this.embedTokens.asLinear(h) : linear(h, this.lmHead); // N x L x V
  }
}

/** `<base>.weight` of the checkpoint, dequantized when it is stored quantized. */
function loadWeight(weights: Checkpoint, base: string, quantization: { groupSize: number; bits: number } | null): mx.array {
  if (quantization !== null && weights.has(`${base}.scales`)) {
    return dequantizeLinear(weights.get(`${base}.weight`), weights.get(`${base}.scales`), weights.get(`${base}.biases`), quantization.groupSize, quantization.bits);
  }
  return weights.get(`${base}.weight`);
}
