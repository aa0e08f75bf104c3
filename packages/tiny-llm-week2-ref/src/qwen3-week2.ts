// The Qwen3 model of week 2: Qwen2ModelWeek2 (KV cache, packed quantized weights, flash
// attention) with Qwen3's attention tensors: no q/k/v biases (config attention_bias),
// an RMSNorm of D on each head's queries and keys before RoPE (`q_norm`, `k_norm`), and
// the head size D from config.json's head_dim (already what the Qwen2 model uses).
import type { LoadedModel, ModelType } from "@tiny-llm/loader";
import { FusedRMSNorm } from "./fused-layers";
import { Qwen2ModelWeek2, readWeight, type AttentionWeights } from "./qwen2-week2";

/**
 * Qwen3 with a KV cache, as Qwen2ModelWeek2 runs Qwen2: `forward` runs only the tokens
 * not seen yet, at positions `offset` onwards, appending their keys and values to
 * `cache` (from makeCache()). Tied and untied heads, bf16 and MLX-quantized weights.
 *
 *   inputs: N x L token ids (int32), offset = tokens already in the cache  ->  N x L x V logits
 *
 * Week 2, Qwen3, task 2 (book: week2-qwen3.md).
 */
export class Qwen3ModelWeek2 extends Qwen2ModelWeek2 {
  protected override modelType(): ModelType {
    return "qwen3";
  }

  /** Qwen3's attention tensors under `prefix`: projections, q_norm and k_norm (D each), biases only with attention_bias. */
  protected override attentionWeights(model: LoadedModel, prefix: string): AttentionWeights {
    const c = model.config;
    const weight = (name: string) => readWeight(model.weights, `${prefix}.${name}`, c, this.activations);
    const bias = (name: string) => (c.attentionBias ? model.weights.get(`${prefix}.${name}.bias`) : undefined);
    const norm = (name: string) => new FusedRMSNorm(c.headDim, model.weights.get(`${prefix}.${name}.weight`), c.rmsNormEps);
    return {
      q: weight("q_proj"), k: weight("k_proj"), v: weight("v_proj"), o: weight("o_proj"),
      bq: bias("q_proj"), bk: bias("k_proj"), bv: bias("v_proj"),
      qNorm: norm("q_norm"), kNorm: norm("k_norm"),
    };
  }
}
