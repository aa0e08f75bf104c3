// The Qwen2 model of week 1: attention with RoPE and grouped heads, the transformer
// block, and the whole model wired to a checkpoint's tensors. Every step recomputes the
// whole sequence (week 2 adds the KV cache).
import * as mx from "@tiny-llm/array";
import type { LoadedModel } from "@tiny-llm/loader";
import { NotImplementedError } from "./not-implemented";

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
  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    readonly numKvHeads: number,
    readonly weights: Qwen2AttentionWeights,
    readonly maxSeqLen = 32768,
    readonly theta = 1000000,
  ) {}

  forward(x: mx.array, mask: mx.array | "causal" = "causal"): mx.array {
    throw new NotImplementedError("Qwen2MultiHeadAttention.forward", ["week_1_day_5_task_1"], "week1-05-qwen2-model.md");
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
  constructor(
    readonly numAttentionHeads: number,
    readonly numKvHeads: number,
    readonly hiddenSize: number,
    readonly intermediateSize: number,
    readonly rmsNormEps: number,
    weights: Qwen2BlockWeights,
    readonly maxSeqLen = 32768,
    readonly theta = 1000000,
  ) {}

  forward(x: mx.array, mask: mx.array | "causal" = "causal"): mx.array {
    throw new NotImplementedError("Qwen2TransformerBlock.forward", ["week_1_day_5_task_2"], "week1-05-qwen2-model.md");
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
  constructor(model: LoadedModel) {
    throw new NotImplementedError("Qwen2ModelWeek1", ["week_1_day_6_task_2"], "week1-06-loading-checkpoints.md");
  }

  forward(inputs: mx.array, opts: ForwardOptions = {}): mx.array {
    throw new NotImplementedError("Qwen2ModelWeek1.forward", ["week_1_day_6_task_2"], "week1-06-loading-checkpoints.md");
  }
}
