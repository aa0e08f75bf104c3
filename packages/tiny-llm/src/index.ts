// The tiny-llm workbook. Each exercise is a stub that throws NotImplementedError naming
// its task and book chapter; the tests (`pnpm test -k week_1_day_1`) tell you when it works.
export { softmax, linear, silu } from "./basics";
export {
  scaledDotProductAttentionSimple, SimpleMultiHeadAttention, scaledDotProductAttentionGrouped, causalMask,
} from "./attention";
export type { AttentionOptions, GroupedAttentionOptions } from "./attention";
export { RoPE } from "./positional-encoding";
export { RMSNorm } from "./rms-norm";
export { Qwen2MLP } from "./mlp";
export { NotImplementedError } from "./not-implemented";
