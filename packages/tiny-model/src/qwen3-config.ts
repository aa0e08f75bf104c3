// The tiny Qwen3's config.json and generation_config.json: Qwen3-0.6B's files with every
// key kept, shrunk to 2 layers of width 32. Like Qwen3-0.6B (16 heads of 128 in a width
// of 1024), its heads are wider than hidden / heads: H_q x D = 4 x 16 = 64 > E = 32.
import type { TinyShapes } from "./config";

/** The tiny Qwen3's shapes (tied: the bf16 and 4-bit folders; untied: the others add lm_head). */
export const TINY_QWEN3 = {
  modelType: "qwen3",
  /** E: the residual stream (D x H_q = 64 is twice as wide). */
  hiddenSize: 32,
  numHiddenLayers: 2,
  /** H_q and H_kv: grouped-query attention, 2 query heads per key/value head. */
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  /** D: config.json head_dim, not E / H_q = 8. */
  headDim: 16,
  /** I: the MLP's inner width. */
  intermediateSize: 96,
  /** V: Qwen3's embedding rows, as Qwen2's. */
  vocabSize: 151936,
  tieWordEmbeddings: true,
} as const satisfies TinyShapes;

/** A checkpoint form of the tiny Qwen3: tied or not, bf16 or MLX-quantized. */
export interface Qwen3Form {
  tieWordEmbeddings: boolean;
  /** MLX affine quantization (group 32: every input width of the model is a multiple), or null for bf16. */
  quantization: { group_size: number; bits: number } | null;
}

/** config.json: the keys of Qwen/Qwen3-0.6B's, in its (alphabetical) order. */
export function qwen3ConfigJson(form: Qwen3Form): Record<string, unknown> {
  const s = TINY_QWEN3;
  const config: Record<string, unknown> = {
    architectures: ["Qwen3ForCausalLM"],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151645,
    head_dim: s.headDim,
    hidden_act: "silu",
    hidden_size: s.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: s.intermediateSize,
    max_position_embeddings: 40960,
    max_window_layers: s.numHiddenLayers,
    model_type: "qwen3",
    num_attention_heads: s.numAttentionHeads,
    num_hidden_layers: s.numHiddenLayers,
    num_key_value_heads: s.numKeyValueHeads,
    rms_norm_eps: 1e-6,
    rope_scaling: null,
    rope_theta: 1000000.0,
    sliding_window: null,
    tie_word_embeddings: form.tieWordEmbeddings,
    torch_dtype: "bfloat16",
    use_cache: true,
    use_sliding_window: false,
    vocab_size: s.vocabSize,
  };
  // mlx-community checkpoints carry both keys (mlx-lm reads the first, transformers the second).
  if (form.quantization !== null) Object.assign(config, { quantization: { ...form.quantization }, quantization_config: { ...form.quantization } });
  return config;
}

/** generation_config.json, as Qwen3-0.6B ships it (thinking mode's sampling settings). */
export function qwen3GenerationConfigJson(): Record<string, unknown> {
  return {
    bos_token_id: 151643,
    do_sample: true,
    eos_token_id: [151645, 151643],
    pad_token_id: 151643,
    temperature: 0.6,
    top_k: 20,
    top_p: 0.95,
  };
}
