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
