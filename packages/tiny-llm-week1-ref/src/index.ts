// tiny-llm week 1 reference: Qwen2 inference from array operations.
export { softmax, linear, silu } from "./basics";
export {
  scaledDotProductAttentionSimple, SimpleMultiHeadAttention, scaledDotProductAttentionGrouped, causalMask,
} from "./attention";
export type { AttentionOptions, GroupedAttentionOptions } from "./attention";
export { RoPE } from "./positional-encoding";
export { RMSNorm } from "./rms-norm";
export { Qwen2MLP } from "./mlp";
export { ArgumentError } from "./checks";
export { Embedding } from "./embedding";
export { dequantizeLinear } from "./quantize";
export { Qwen2MultiHeadAttention, Qwen2TransformerBlock, Qwen2ModelWeek1 } from "./qwen2-week1";
export type { Qwen2AttentionWeights, Qwen2BlockWeights, ForwardOptions } from "./qwen2-week1";
export { makeSampler } from "./sampler";
export type { Sampler, SamplerOptions } from "./sampler";
export { simpleGenerate } from "./generate";
export type { CausalLM, GenerateOptions, GenerateResult } from "./generate";
