// The week 1 reference refuses bad arguments where they enter, naming the function, the
// argument, the expected layout and what it received.
import * as mx from "@tiny-llm/array";
import * as ref from "@tiny-llm/tiny-llm-week1-ref";

const f32 = (...shape: number[]) => mx.zeros(shape, "float32");

const cases: [string, () => unknown, RegExp][] = [
  ["softmax_int_input", () => ref.softmax(mx.zeros([3], "int32"), -1), /^softmax: x must be float32, float16 or bfloat16, got int32/],
  ["attention_simple_key_D", () => ref.scaledDotProductAttentionSimple(f32(2, 5, 8), f32(2, 5, 4), f32(2, 5, 4)),
    /^scaledDotProductAttentionSimple: key has shape \[2,5,4\], expected \[2,5,8\] \(N\.\. x S x D/],
  ["attention_simple_value_S", () => ref.scaledDotProductAttentionSimple(f32(5, 8), f32(5, 8), f32(4, 8)),
    /^scaledDotProductAttentionSimple: value has shape \[4,8\], expected \[5,8\]/],
  ["attention_simple_batch", () => ref.scaledDotProductAttentionSimple(f32(2, 5, 8), f32(3, 5, 8), f32(3, 5, 8)),
    /key has shape \[3,5,8\], expected \[2,5,8\]/],
  ["attention_simple_dtype", () => ref.scaledDotProductAttentionSimple(f32(5, 8), mx.zeros([5, 8], "bfloat16"), f32(5, 8)),
    /key is bfloat16 but query is float32/],
  ["attention_simple_mask", () => ref.scaledDotProductAttentionSimple(f32(5, 8), f32(6, 8), f32(6, 8), { mask: f32(5, 5) }),
    /mask has shape \[5,5\], which does not broadcast to \[5,6\] \(N\.\. x L x S\)/],
  ["attention_simple_not_array", () => ref.scaledDotProductAttentionSimple([[1]] as unknown as mx.array, f32(1, 1), f32(1, 1)),
    /query must be an mx\.array \(N\.\. x L x D\), got a JS array/],
  ["linear_w_inner", () => ref.linear(f32(3, 8), f32(4, 6)), /^linear: w has shape \[4,6\], expected \[4,8\] \(O x I, I from x\)/],
  ["linear_bias", () => ref.linear(f32(3, 8), f32(4, 8), f32(5)), /^linear: bias has shape \[5\], expected \[4\]/],
  ["mha_heads", () => new ref.SimpleMultiHeadAttention(10, 3, f32(10, 10), f32(10, 10), f32(10, 10), f32(10, 10)),
    /hiddenSize 10 is not a multiple of numHeads 3/],
  ["mha_wq", () => new ref.SimpleMultiHeadAttention(8, 2, f32(8, 6), f32(8, 8), f32(8, 8), f32(8, 8)),
    /^SimpleMultiHeadAttention: wq has shape \[8,6\], expected \[8,8\] \(\(H x D\) x E\)/],
  ["mha_query_E", () => new ref.SimpleMultiHeadAttention(8, 2, f32(8, 8), f32(8, 8), f32(8, 8), f32(8, 8)).forward(f32(1, 3, 6), f32(1, 3, 8), f32(1, 3, 8)),
    /query has shape \[1,3,6\], expected \[1,3,8\] \(N x L x E\)/],
  ["rope_odd_dims", () => new ref.RoPE(7, 16), /^RoPE: dims must be even/],
  ["rope_x_D", () => new ref.RoPE(8, 16).forward(f32(1, 4, 2, 6)), /x has shape \[1,4,2,6\], expected D = 8/],
  ["rope_offset", () => new ref.RoPE(8, 16).forward(f32(1, 4, 2, 8), 14), /positions 14 \.\. 17 are outside the table of 16 positions/],
  ["grouped_heads", () => ref.scaledDotProductAttentionGrouped(f32(6, 3, 8), f32(4, 3, 8), f32(4, 3, 8)),
    /query has H_q = 6 heads, not a multiple of the H_kv = 4 heads of key/],
  ["grouped_value", () => ref.scaledDotProductAttentionGrouped(f32(4, 3, 8), f32(2, 3, 8), f32(2, 5, 8)),
    /value has shape \[2,5,8\], expected \[2,3,8\]/],
  ["grouped_mask", () => ref.scaledDotProductAttentionGrouped(f32(4, 3, 8), f32(2, 5, 8), f32(2, 5, 8), { mask: f32(2, 3, 5) }),
    /mask has shape \[2,3,5\], which does not broadcast to \[4,3,5\] \(N\.\. x H_q x L x S\)/],
  ["causal_mask_L_gt_S", () => ref.causalMask(5, 3, "float32"), /^causalMask: L = 5 queries over S = 3 keys; expected L <= S/],
  ["rms_norm_weight", () => new ref.RMSNorm(8, f32(6)), /^RMSNorm: weight has shape \[6\], expected \[8\] \(D\)/],
  ["rms_norm_x", () => new ref.RMSNorm(8, f32(8)).forward(f32(2, 6)), /x has shape \[2,6\], expected \[2,8\] \(N\.\. x D\)/],
  ["mlp_w_down", () => new ref.Qwen2MLP(8, 16, f32(16, 8), f32(16, 8), f32(16, 8)),
    /^Qwen2MLP: wDown has shape \[16,8\], expected \[8,16\] \(E x I\)/],
  ["mlp_x", () => new ref.Qwen2MLP(8, 16, f32(16, 8), f32(16, 8), f32(8, 16)).forward(mx.zeros([2, 8], "int32")),
    /x must be float32, float16 or bfloat16, got int32/],
];

for (const [name, call, message] of cases) {
  test(`week1_ref_bad_input_${name}`, () => {
    expect(call).toThrow(ref.ArgumentError);
    expect(call).toThrow(message);
  });
}
