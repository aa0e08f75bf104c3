// Qwen3's attention, without a cache: what changes from Qwen2's (week 1, day 5) is an
// RMSNorm over each head's D values of the queries and keys, before RoPE; no q/k/v
// biases; and a head size D of its own (config.json head_dim), not E / H_q.
import * as mx from "@tiny-llm/array";
import {
  ArgumentError, linear, RMSNorm, RoPE, scaledDotProductAttentionGrouped,
} from "@tiny-llm/tiny-llm-week1-ref";

/** The shapes of a Qwen3 attention layer, named like config.json's keys. */
export interface Qwen3AttentionOptions {
  /** E (`hidden_size`). */
  hiddenSize: number;
  /** H_q (`num_attention_heads`). */
  numAttentionHeads: number;
  /** H_kv (`num_key_value_heads`): H_q is a multiple of it. */
  numKeyValueHeads: number;
  /** D (`head_dim`): may differ from E / H_q (Qwen3-0.6B: 16 heads of 128 in E = 1024). */
  headDim: number;
  /** eps of the per-head RMSNorms (`rms_norm_eps`). */
  rmsNormEps: number;
  /** RoPE table length (`max_position_embeddings`, default 32768) and base (`rope_theta`, default 1000000). */
  maxPositionEmbeddings?: number;
  ropeTheta?: number;
}

/** The tensors of one Qwen3 attention layer, named as in the checkpoint (`self_attn.q_proj.weight` ...). */
export interface Qwen3AttentionWeights {
  /** (H_q x D) x E, (H_kv x D) x E, (H_kv x D) x E, E x (H_q x D): no biases. */
  wq: mx.array; wk: mx.array; wv: mx.array; wo: mx.array;
  /** D each: `self_attn.q_norm.weight` and `self_attn.k_norm.weight`, shared by all heads. */
  wQNorm: mx.array; wKNorm: mx.array;
}

/**
 * Qwen3's attention: project x to H_q query heads and H_kv key/value heads of size D
 * (no biases), RMSNorm each query and key head over its D values, rotate them with
 * half-split RoPE, attend with grouped heads under `mask`, merge the heads (H_q x D
 * wide) and project back to E.
 *
 *   x: N x L x E  ->  N x L x E
 *
 * Week 2, Qwen3, task 1 (book: week2-qwen3.md).
 */
export class Qwen3MultiHeadAttention {
  private readonly qNorm: RMSNorm;
  private readonly kNorm: RMSNorm;
  private readonly rope: RoPE;

  constructor(
    readonly options: Qwen3AttentionOptions,
    readonly weights: Qwen3AttentionWeights,
  ) {
    const { numAttentionHeads: Hq, numKeyValueHeads: Hkv, headDim: D } = options;
    if (!(Number.isInteger(D) && D > 0 && D % 2 === 0) || Hq % Hkv !== 0) {
      throw new ArgumentError("Qwen3MultiHeadAttention", `headDim ${D}, numAttentionHeads ${Hq}, numKeyValueHeads ${Hkv}: expected an even head size and H_q a multiple of H_kv`);
    }
    this.qNorm = new RMSNorm(D, weights.wQNorm, options.rmsNormEps);
    this.kNorm = new RMSNorm(D, weights.wKNorm, options.rmsNormEps);
    this.rope = new RoPE(D, options.maxPositionEmbeddings ?? 32768, options.ropeTheta ?? 1000000, false);
  }

  forward(x: mx.array, mask: mx.array | "causal" = "causal"): mx.array {
    const [N, L] = x.shape;
    const { numAttentionHeads: Hq, numKeyValueHeads: Hkv, headDim: D } = this.options;
    const { wq, wk, wv, wo } = this.weights;
    const q = this.rope.forward(this.qNorm.forward(linear(x, wq).reshape(N, L, Hq, D))); // N x L x H_q x D
    const k = this.rope.forward(this.kNorm.forward(linear(x, wk).reshape(N, L, Hkv, D))); // N x L x H_kv x D
    const v = linear(x, wv).reshape(N, L, Hkv, D);
    const out = scaledDotProductAttentionGrouped(q.swapaxes(1, 2), k.swapaxes(1, 2), v.swapaxes(1, 2), { mask }); // N x H_q x L x D
    return linear(out.swapaxes(1, 2).reshape(N, L, Hq * D), wo); // N x L x E
  }
}
