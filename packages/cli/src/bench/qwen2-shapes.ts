// Qwen2-0.5B's shapes (config.json of Qwen/Qwen2-0.5B-Instruct), Qwen2-1.5B's, Qwen2-7B's and Qwen3-0.6B's
// beside them, their tensors, and how much work and memory traffic a forward pass costs.

/** config.json of Qwen/Qwen2-0.5B-Instruct, as published (bf16, tied embeddings). */
export const QWEN2_0_5B_CONFIG = {
  architectures: ["Qwen2ForCausalLM"],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  hidden_act: "silu",
  hidden_size: 896,
  initializer_range: 0.02,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 24,
  model_type: "qwen2",
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** config.json of Qwen/Qwen2-1.5B-Instruct, as published (bf16, tied embeddings). */
export const QWEN2_1_5B_CONFIG: typeof QWEN2_0_5B_CONFIG = {
  ...QWEN2_0_5B_CONFIG,
  hidden_size: 1536,
  intermediate_size: 8960,
  max_window_layers: 28,
  num_attention_heads: 12,
  num_hidden_layers: 28,
  num_key_value_heads: 2,
};

/** config.json of Qwen/Qwen2-7B-Instruct, as published (bf16; its lm_head is not tied). */
export const QWEN2_7B_CONFIG: typeof QWEN2_0_5B_CONFIG = {
  ...QWEN2_0_5B_CONFIG,
  hidden_size: 3584,
  intermediate_size: 18944,
  max_window_layers: 28,
  num_attention_heads: 28,
  num_hidden_layers: 28,
  num_key_value_heads: 4,
  sliding_window: 131072,
  tie_word_embeddings: false,
  vocab_size: 152064,
};

/** config.json of Qwen/Qwen3-0.6B, as published (bf16, tied embeddings; 16 heads of 128 in a width of 1024). */
export const QWEN3_0_6B_CONFIG = {
  architectures: ["Qwen3ForCausalLM"],
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: "silu",
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  model_type: "qwen3",
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  transformers_version: "4.51.0",
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** The config.json of a checkpoint the bench writes: Qwen2's or Qwen3's keys. */
export type ShapesConfig = typeof QWEN2_0_5B_CONFIG | typeof QWEN3_0_6B_CONFIG;

export interface Qwen2Shapes {
  /** Qwen3: q_norm / k_norm (D each) per layer and no q/k/v biases. */
  qkNorm: boolean;
  /** lm_head is embed_tokens (no lm_head.weight). */
  tiedEmbeddings: boolean;
  /** E, I, V, H_q, H_kv, D, layers */
  hidden: number;
  intermediate: number;
  vocab: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  layers: number;
}

export function shapesOf(config: ShapesConfig): Qwen2Shapes {
  const heads = config.num_attention_heads;
  return {
    qkNorm: config.model_type === "qwen3", tiedEmbeddings: config.tie_word_embeddings,
    hidden: config.hidden_size, intermediate: config.intermediate_size, vocab: config.vocab_size,
    heads, kvHeads: config.num_key_value_heads, layers: config.num_hidden_layers,
    headDim: "head_dim" in config ? config.head_dim : config.hidden_size / heads, // Qwen3-0.6B: 128, not 1024 / 16
  };
}

/** One tensor of the checkpoint: name, shape, and how to fill it. */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** "random": small random values, like a fresh model's; "ones": RMSNorm weights. */
  init: "random" | "ones";
}

/** The tensors of layer `i` (`model.layers.<i>.*`), named as in the checkpoint. */
export function layerTensors(s: Qwen2Shapes, i: number): TensorSpec[] {
  const p = `model.layers.${i}`;
  const q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
  const attention: TensorSpec[] = s.qkNorm
    ? [
      { name: `${p}.self_attn.k_norm.weight`, shape: [s.headDim], init: "ones" },
      { name: `${p}.self_attn.q_norm.weight`, shape: [s.headDim], init: "ones" },
    ]
    : [
      { name: `${p}.self_attn.k_proj.bias`, shape: [kv], init: "random" },
      { name: `${p}.self_attn.q_proj.bias`, shape: [q], init: "random" },
      { name: `${p}.self_attn.v_proj.bias`, shape: [kv], init: "random" },
    ];
  const specs: TensorSpec[] = [
    ...attention,
    { name: `${p}.input_layernorm.weight`, shape: [s.hidden], init: "ones" },
    { name: `${p}.mlp.down_proj.weight`, shape: [s.hidden, s.intermediate], init: "random" },
    { name: `${p}.mlp.gate_proj.weight`, shape: [s.intermediate, s.hidden], init: "random" },
    { name: `${p}.mlp.up_proj.weight`, shape: [s.intermediate, s.hidden], init: "random" },
    { name: `${p}.post_attention_layernorm.weight`, shape: [s.hidden], init: "ones" },
    { name: `${p}.self_attn.k_proj.weight`, shape: [kv, s.hidden], init: "random" },
    { name: `${p}.self_attn.o_proj.weight`, shape: [s.hidden, q], init: "random" },
    { name: `${p}.self_attn.q_proj.weight`, shape: [q, s.hidden], init: "random" },
    { name: `${p}.self_attn.v_proj.weight`, shape: [kv, s.hidden], init: "random" },
  ];
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // name order, as the checkpoint files hold them
}

/** The tensors outside the layers (lm_head.weight only when the embeddings are not tied). */
export function globalTensors(s: Qwen2Shapes): TensorSpec[] {
  const head: TensorSpec[] = s.tiedEmbeddings ? [] : [{ name: "lm_head.weight", shape: [s.vocab, s.hidden], init: "random" }];
  return [
    ...head,
    { name: "model.embed_tokens.weight", shape: [s.vocab, s.hidden], init: "random" },
    { name: "model.norm.weight", shape: [s.hidden], init: "ones" },
  ];
}

/** Weights of one layer's matmuls: q, k, v, o, gate, up, down (biases and norms left out). */
export function layerMatmulParams(s: Qwen2Shapes): number {
  const q = s.heads * s.headDim, kv = s.kvHeads * s.headDim;
  return s.hidden * q + 2 * s.hidden * kv + q * s.hidden + 3 * s.hidden * s.intermediate;
}

/** Every parameter of the checkpoint. */
export function totalParams(s: Qwen2Shapes): number {
  const count = (specs: TensorSpec[]) => specs.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  return count(globalTensors(s)) + s.layers * count(layerTensors(s, 0));
}

/**
 * FLOPs of one forward pass over L tokens with lastOnly (the logits of the last
 * position only), counting multiply-adds as 2 and only the matmuls:
 *
 *   layers x ( 2 L P_layer             the 7 linear layers, P_layer = layerMatmulParams
 *            + 4 L^2 H_q D )           Q K^T and P V: each 2 L^2 D per query head; the
 *                                      week 1 attention computes the full L x L scores
 *                                      and masks them, so the causal half is counted too
 *   + 2 V E                            the tied lm_head, for the last position only
 *
 * Norms, RoPE, SiLU, softmax and the embedding lookup are O(L E) and left out.
 */
export function forwardFlops(s: Qwen2Shapes, L: number): number {
  return s.layers * (2 * L * layerMatmulParams(s) + 4 * L * L * s.heads * s.headDim) + 2 * s.vocab * s.hidden;
}

/**
 * Bytes of weights a forward pass must read at least once: every matmul weight of
 * the layers plus one V x E matrix (the lm_head, tied or not, reads all V rows; the
 * embedding lookup a row a token).
 * Without a KV cache a decode step reads them all, as with one.
 */
export function weightBytesPerForward(s: Qwen2Shapes, itemsize: number): number {
  return itemsize * (s.layers * layerMatmulParams(s) + s.vocab * s.hidden);
}
