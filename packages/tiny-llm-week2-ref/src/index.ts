// tiny-llm week 2 reference: week 1's layers (re-exported as they are), plus the KV
// cache, quantized weights kept packed and the kernels of tiny-llm-ext-ref.
export * from "@tiny-llm/tiny-llm-week1-ref";
export { TinyKvFullCache } from "./kv-cache";
export type { TinyKvCache } from "./kv-cache";
export { quantizedMatmul, flashAttention, f16MatrixUnits } from "@tiny-llm/tiny-llm-ext-ref";
export type { Activations, QuantizedWeights, FlashAttentionOptions } from "@tiny-llm/tiny-llm-ext-ref";
export { quantizedLinear } from "./quantized-linear";
export { Qwen2ModelWeek2 } from "./qwen2-week2";
export type { KvDtype, Week2ModelOptions } from "./qwen2-week2";
export { simpleGenerateWithKvCache } from "./generate-with-kv-cache";
export type { CachedCausalLM } from "./generate-with-kv-cache";
export { Qwen3MultiHeadAttention } from "./qwen3-attention";
export type { Qwen3AttentionOptions, Qwen3AttentionWeights } from "./qwen3-attention";
export { Qwen3ModelWeek2 } from "./qwen3-week2";
// Week 2, day 8: speculative decoding.
export { tokenProbs, speculativeAccept } from "./speculative-accept";
export type { SpeculativeVerdict } from "./speculative-accept";
export { speculativeGenerate } from "./speculative-generate";
export type { SpeculativeOptions, SpeculativeResult } from "./speculative-generate";
// Serving many requests: continuous batching and chunked prefill (engine/).
export { BatchingKvCache } from "./engine/batching-kv-cache";
export type { TinyKvBatchCache } from "./engine/batching-kv-cache";
export { Request } from "./engine/request";
export type { FinishReason, RequestLimits } from "./engine/request";
export { Scheduler } from "./engine/scheduler";
export type { AddOptions, BatchingCausalLM, SchedulerOptions } from "./engine/scheduler";
export { batchGenerate } from "./engine/batch-generate";
export type { BatchGenerateOptions, BatchResult } from "./engine/batch-generate";
// Week 2, day 9: the prefix cache.
export { blockHashes } from "./prefix-cache/block-hash";
export { PrefixCache } from "./prefix-cache/prefix-cache";
export type { PrefixCacheOptions } from "./prefix-cache/prefix-cache";
export { simpleGenerateWithPrefixCache } from "./prefix-cache/generate-with-prefix-cache";
export type { PrefixGenerateOptions, PrefixGenerateResult } from "./prefix-cache/generate-with-prefix-cache";
