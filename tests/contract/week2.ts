// The course's contract for week 2: week 1's, plus the KV cache, the quantized matmul
// and linear, flash attention (both kernels on the CPU and the GPU), the week 2 model and
// generation with the cache, serving many requests (continuous batching, chunked
// prefill), speculative decoding, the prefix cache, and Qwen3's attention and model.
// The signatures are the week 2 reference's.
import type * as Ref from "@tiny-llm/tiny-llm-week2-ref";
import type { CourseClass } from "./course-class";
import type { Week1 } from "./week1";

export interface Week2 extends Week1 {
  // Day 1: the KV cache.
  TinyKvFullCache: CourseClass<typeof Ref.TinyKvFullCache, "offset" | "updateAndFetch" | "trim" | "fetch" | "release">;
  Qwen2ModelWeek2: CourseClass<typeof Ref.Qwen2ModelWeek2, "config" | "makeCache" | "forward">;
  simpleGenerateWithKvCache: typeof Ref.simpleGenerateWithKvCache;
  // Day 2: quantized matmul (the kernel, in tiny-llm-ext) and the quantized linear layer.
  quantizedMatmul: typeof Ref.quantizedMatmul;
  quantizedLinear: typeof Ref.quantizedLinear;
  // Day 3, quantized matmul on the GPU, adds no export: quantizedMatmul's WGSL (in tiny-llm-ext).
  // Day 4: flash attention (the kernel, in tiny-llm-ext).
  flashAttention: typeof Ref.flashAttention;
  // Day 5, flash attention on the GPU, adds no export: flashAttention's WGSL (in tiny-llm-ext).
  // Day 6: continuous batching (the model's per-row offsets are Qwen2ModelWeek2.forward's).
  BatchingKvCache: CourseClass<typeof Ref.BatchingKvCache, "caches" | "offsets" | "add" | "remove" | "updateAndFetch" | "release">;
  Request: CourseClass<typeof Ref.Request, "id" | "prompt" | "cache" | "limits" | "arrivedAt" | "tokens" | "tokenTimes" | "finishReason" | "finishedAt" | "offset" | "prefilled" | "finished" | "lastToken" | "append" | "finish" | "release">;
  Scheduler: CourseClass<typeof Ref.Scheduler, "batchSize" | "prefillStep" | "maxTokens" | "maxContext" | "add" | "done" | "counts" | "step">;
  batchGenerate: typeof Ref.batchGenerate;
  // Day 7, chunked prefill, adds no export: Scheduler's prefillStep, and TinyKvFullCache.release.
  // Day 8: speculative decoding (and day 1's cache learns to trim).
  tokenProbs: typeof Ref.tokenProbs;
  speculativeAccept: typeof Ref.speculativeAccept;
  speculativeGenerate: typeof Ref.speculativeGenerate;
  // Day 9: the prefix cache (and day 1's cache learns to fetch).
  blockHashes: typeof Ref.blockHashes;
  PrefixCache: CourseClass<typeof Ref.PrefixCache, "model" | "blockSize" | "maxBytes" | "bytes" | "size" | "match" | "restore" | "store">;
  simpleGenerateWithPrefixCache: typeof Ref.simpleGenerateWithPrefixCache;
  // Beside the days, Qwen3: from Qwen2 to Qwen3 (per-head query/key RMSNorm, head_dim of its own).
  Qwen3MultiHeadAttention: CourseClass<typeof Ref.Qwen3MultiHeadAttention, "forward">;
  Qwen3ModelWeek2: CourseClass<typeof Ref.Qwen3ModelWeek2, "makeCache" | "forward">;
}
