// The learner's flashAttention (@tiny-llm/tiny-llm-ext, untouched): the same TypeScript
// wrapper as the reference, over a C++ body that throws the exercise's NotImplementedError.
import * as mx from "@tiny-llm/array";
import { flashAttention } from "@tiny-llm/tiny-llm-ext";

test("flash_attention_stub_throws_not_implemented", () => {
  const q = mx.zeros([1, 4, 3, 8]), kv = mx.zeros([1, 2, 5, 8]);
  let error: unknown;
  try {
    flashAttention(q, kv, kv, { mask: "causal" });
  } catch (e) {
    error = e;
  }
  // (Not toBeInstanceOf(Error): errors made by native code come from another realm under jest.)
  expect((error as Error).name).toBe("NotImplementedError");
  expect((error as Error).message).toBe("flash_attention is not implemented yet (week_2_day_4_task_1; book: week2-04-flash-attention.md)");
});

test("flash_attention_stub_checks_arguments_first", () => {
  expect(() => flashAttention(mx.zeros([1, 3, 3, 8]), mx.zeros([1, 2, 5, 8]), mx.zeros([1, 2, 5, 8]))).toThrow(
    "flashAttention: query has 3 heads and key 2; H_q must be a multiple of H_kv",
  );
});
