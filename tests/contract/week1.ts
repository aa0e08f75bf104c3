// The course's contract for week 1: every name a week-1 solution exports and the
// signatures the tests call. The workbook (packages/tiny-llm) and every reference from
// week 1 on must satisfy it (tests-ref/course/contract.ts checks them with tsc). The
// signatures are the week 1 reference's, so they are written once.
import type * as Ref from "@tiny-llm/tiny-llm-week1-ref";
import type { CourseClass } from "./course-class";

export interface Week1 {
  // Day 1: attention.
  softmax: typeof Ref.softmax;
  linear: typeof Ref.linear;
  scaledDotProductAttentionSimple: typeof Ref.scaledDotProductAttentionSimple;
  SimpleMultiHeadAttention: CourseClass<typeof Ref.SimpleMultiHeadAttention, "forward">;
  // Day 2: RoPE.
  RoPE: CourseClass<typeof Ref.RoPE, "forward">;
  // Day 3: grouped query attention.
  scaledDotProductAttentionGrouped: typeof Ref.scaledDotProductAttentionGrouped;
  causalMask: typeof Ref.causalMask;
  // Day 4: RMSNorm and the MLP.
  RMSNorm: CourseClass<typeof Ref.RMSNorm, "forward">;
  silu: typeof Ref.silu;
  Qwen2MLP: CourseClass<typeof Ref.Qwen2MLP, "forward">;
  // Day 5: the transformer block.
  Qwen2MultiHeadAttention: CourseClass<typeof Ref.Qwen2MultiHeadAttention, "forward">;
  Qwen2TransformerBlock: CourseClass<typeof Ref.Qwen2TransformerBlock, "forward">;
  Embedding: CourseClass<typeof Ref.Embedding, "forward" | "asLinear">;
  // Day 6: loading the model.
  dequantizeLinear: typeof Ref.dequantizeLinear;
  Qwen2ModelWeek1: CourseClass<typeof Ref.Qwen2ModelWeek1, "forward">;
  // Day 7: sampling and generation.
  makeSampler: typeof Ref.makeSampler;
  simpleGenerate: typeof Ref.simpleGenerate;
}
