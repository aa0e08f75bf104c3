// The tiny model's config.json and generation_config.json: Qwen2-0.5B-Instruct's files
// with every key kept, shrunk to a 2-layer, 64-wide model (vocabulary and tokenizer
// are the real ones).

/** The shapes of a tiny model, as the course writes them. */
export interface TinyShapes {
  modelType: "qwen2" | "qwen3";
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** D: one head's size; E / H_q for Qwen2, its own value for Qwen3. */
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
}

/** The shapes of the tiny Qwen2, as the course writes them. */
export const TINY = {
  modelType: "qwen2",
  /** E: hidden size (D = E / H_q = 16 per head). */
  hiddenSize: 64,
  numHiddenLayers: 2,
  /** H_q and H_kv. */
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  /** I: the MLP's inner width. */
  intermediateSize: 192,
  /** D = E / H_q. */
  headDim: 16,
  /** V: Qwen2's embedding rows (the tokenizer uses the first 151669 or so). */
  vocabSize: 151936,
  tieWordEmbeddings: true,
} as const satisfies TinyShapes;

/** MLX affine quantization of the 4-bit folder. */
export const QUANTIZATION = { group_size: 64, bits: 4 } as const;

/**
 * config.json of a Qwen2 of `shapes` (the random tiny one by default): the keys of
 * Qwen/Qwen2-0.5B-Instruct's, in its (alphabetical) order; a quantized folder adds
 * `quantization` and `quantization_config`.
 */
export function configJson(shapes: TinyShapes, quantization: { group_size: number; bits: number } | null): Record<string, unknown> {
  const config: Record<string, unknown> = {
    architectures: ["Qwen2ForCausalLM"],
    attention_dropout: 0.0,
    bos_token_id: 151643,
    eos_token_id: 151645,
    hidden_act: "silu",
    hidden_size: shapes.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: shapes.intermediateSize,
    max_position_embeddings: 4096,
    max_window_layers: shapes.numHiddenLayers,
    model_type: "qwen2",
    num_attention_heads: shapes.numAttentionHeads,
    num_hidden_layers: shapes.numHiddenLayers,
    num_key_value_heads: shapes.numKeyValueHeads,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 4096,
    tie_word_embeddings: shapes.tieWordEmbeddings,
    torch_dtype: "bfloat16",
    use_cache: true,
    use_sliding_window: false,
    vocab_size: shapes.vocabSize,
  };
  // mlx-community checkpoints carry both keys (mlx-lm reads the first, transformers the second).
  if (quantization !== null) Object.assign(config, { quantization: { ...quantization }, quantization_config: { ...quantization } });
  return config;
}

/** generation_config.json, as Qwen2-Instruct models ship it. */
export function generationConfigJson(): Record<string, unknown> {
  return {
    bos_token_id: 151643,
    pad_token_id: 151643,
    do_sample: true,
    eos_token_id: [151645, 151643],
    repetition_penalty: 1.05,
    temperature: 0.7,
    top_p: 0.8,
    top_k: 20,
  };
}

/** Keys whose values are floats in the real files. */
const FLOAT_KEYS = new Set(["attention_dropout", "initializer_range", "rms_norm_eps", "rope_theta", "repetition_penalty", "temperature", "top_p"]);

/** Python's repr of a float: 1000000.0, 0.0, 1e-06, 0.02. */
function pythonFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return x.toFixed(1);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential().replace(/e([+-])(\d)$/, (_, sign: string, d: string) => `e${sign}0${d}`);
  return String(x);
}

/**
 * JSON (2-space indent, as save_pretrained writes it) with Python's float spelling for
 * the keys that are floats in the real files (`1000000.0`, not `1000000`), so that
 * Python readers get the same types as from a real checkpoint.
 */
export function toJson(obj: Record<string, unknown>): string {
  const mark = "\u0000float:";
  const text = JSON.stringify(obj, (key, value) => (FLOAT_KEYS.has(key) && typeof value === "number" ? mark + pythonFloat(value) : value), 2);
  return text.replace(/"\\u0000float:([^"]*)"/g, "$1") + "\n";
}
