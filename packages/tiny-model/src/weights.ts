// The tiny models' weights: every tensor of a Qwen2 (or Qwen3) checkpoint, named as
// Hugging Face names them, filled with hash-based uniform values (see hash.ts) and
// rounded to bf16. A tensor's values depend only on its name and shape.
import * as mx from "@tiny-llm/array";
import { hashUniform } from "./hash";
import { TINY, type TinyShapes } from "./config";

/** One tensor of the checkpoint: its name, shape and the uniform range of its values. */
export interface TensorSpec {
  name: string;
  shape: number[];
  /** Values are uniform in [center - scale, center + scale); scale is a power of two. */
  scale: number;
  center: number;
  /** True for the linear weights (and the embedding) that the 4-bit folder quantizes. */
  quantized: boolean;
}

/**
 * A power of two near sqrt(3 / fanIn): uniform values in [-a, a) have variance a^2 / 3,
 * so a layer keeps the variance of its input (what PyTorch's default init aims at).
 */
function linearScale(fanIn: number): number {
  return 2 ** Math.round(Math.log2(Math.sqrt(3 / fanIn)));
}

/** Ranges of the tensors that are not linear weights. */
const EMBEDDING_SCALE = 2 ** -4; // +-0.0625: a tied head gives logits of std ~0.3 over the vocabulary
const BIAS_SCALE = 2 ** -4;
const NORM_SCALE = 2 ** -4; // norm weights in [0.9375, 1.0625)

/**
 * Every tensor of the checkpoint of `shapes`, in name order (the order the safetensors
 * file holds them). Qwen2 has q/k/v biases; Qwen3 has none, and instead RMSNorm
 * weights of D for each head's queries and keys (`self_attn.q_norm`, `k_norm`). An
 * untied checkpoint adds `lm_head.weight` (V x E).
 */
export function tensorSpecs(shapes: TinyShapes = TINY): TensorSpec[] {
  const { hiddenSize: E, intermediateSize: I, numAttentionHeads: Hq, numKeyValueHeads: Hkv, vocabSize: V, headDim: D } = shapes;
  const specs: TensorSpec[] = [
    { name: "model.embed_tokens.weight", shape: [V, E], scale: EMBEDDING_SCALE, center: 0, quantized: true },
    { name: "model.norm.weight", shape: [E], scale: NORM_SCALE, center: 1, quantized: false },
  ];
  const linear = (name: string, out: number, inp: number): TensorSpec => ({ name, shape: [out, inp], scale: linearScale(inp), center: 0, quantized: true });
  const norm = (name: string, dim: number): TensorSpec => ({ name, shape: [dim], scale: NORM_SCALE, center: 1, quantized: false });
  if (!shapes.tieWordEmbeddings) specs.push(linear("lm_head.weight", V, E));
  for (let i = 0; i < shapes.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    if (shapes.modelType === "qwen3") {
      specs.push(
        norm(`${p}.input_layernorm.weight`, E),
        linear(`${p}.mlp.down_proj.weight`, E, I),
        linear(`${p}.mlp.gate_proj.weight`, I, E),
        linear(`${p}.mlp.up_proj.weight`, I, E),
        norm(`${p}.post_attention_layernorm.weight`, E),
        norm(`${p}.self_attn.k_norm.weight`, D),
        linear(`${p}.self_attn.k_proj.weight`, Hkv * D, E),
        linear(`${p}.self_attn.o_proj.weight`, E, Hq * D),
        norm(`${p}.self_attn.q_norm.weight`, D),
        linear(`${p}.self_attn.q_proj.weight`, Hq * D, E),
        linear(`${p}.self_attn.v_proj.weight`, Hkv * D, E),
      );
      continue;
    }
    specs.push(
      { name: `${p}.input_layernorm.weight`, shape: [E], scale: NORM_SCALE, center: 1, quantized: false },
      linear(`${p}.mlp.down_proj.weight`, E, I),
      linear(`${p}.mlp.gate_proj.weight`, I, E),
      linear(`${p}.mlp.up_proj.weight`, I, E),
      { name: `${p}.post_attention_layernorm.weight`, shape: [E], scale: NORM_SCALE, center: 1, quantized: false },
      { name: `${p}.self_attn.k_proj.bias`, shape: [Hkv * D], scale: BIAS_SCALE, center: 0, quantized: false },
      linear(`${p}.self_attn.k_proj.weight`, Hkv * D, E),
      linear(`${p}.self_attn.o_proj.weight`, E, Hq * D),
      { name: `${p}.self_attn.q_proj.bias`, shape: [Hq * D], scale: BIAS_SCALE, center: 0, quantized: false },
      linear(`${p}.self_attn.q_proj.weight`, Hq * D, E),
      { name: `${p}.self_attn.v_proj.bias`, shape: [Hkv * D], scale: BIAS_SCALE, center: 0, quantized: false },
      linear(`${p}.self_attn.v_proj.weight`, Hkv * D, E),
    );
  }
  return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The tensor of `spec` in bfloat16 (float32 values rounded to nearest even by astype). */
export function makeTensor(spec: TensorSpec): mx.array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  return mx.astype(mx.fromTypedArray(hashUniform(spec.name, size, spec.scale, spec.center), spec.shape, "float32"), "bfloat16");
}
