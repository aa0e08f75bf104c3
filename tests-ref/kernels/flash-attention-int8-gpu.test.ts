// flashAttentionInt8 (tiny-llm-ext-ref, reference only): a split decode step's combine also
// quantizes attention's output to int8 for o_proj, the product after it, in the same launch.
// Against flashAttention, then o_proj with int8 activations quantizing that output itself
// (quantize_activations.wgsl) on the GPU: the same int8 values, so the same product to the
// bit; and against the CPU's int8 product. Where no combine runs (a short cache, a prefill,
// groups wider than a head), the output comes unquantized.
import * as mx from "@tiny-llm/array";
import { flashAttention, flashAttentionInt8, int8Matmul, quantizedMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { randomWeights } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const GPU_MS = 120_000;
const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") });

/** Random q (N x H_q x L x D) and k, v (N x H_kv x S x D) on the GPU, and o_proj's int8 weights (E x H_q * D). */
function operands(N: number, Hq: number, Hkv: number, L: number, S: number, D: number, bits: number, groupSize: number) {
  const key = (i: number) => mx.random.key(1000 * S + 10 * D + i);
  const q = mx.random.normal([N, Hq, L, D], { key: key(1) }).toDevice("gpu");
  const k = mx.random.normal([N, Hkv, S, D], { key: key(2) }).toDevice("gpu");
  const v = mx.random.normal([N, Hkv, S, D], { key: key(3) }).toDevice("gpu");
  const w = { ...randomWeights(48, Hq * D, bits, groupSize, "bfloat16", S + bits), activations: "int8" as const };
  return { q, k, v, w };
}

// N, H_q, H_kv, S, D, bits, group
const CASES: [number, number, number, number, number, number, number][] = [
  [1, 4, 2, 100, 128, 4, 64],
  [2, 4, 1, 300, 64, 8, 32],
  [1, 2, 2, 65, 128, 4, 128],
  [1, 8, 2, 200, 64, 4, 64],
];

for (const [N, Hq, Hkv, S, D, bits, groupSize] of CASES) {
  test(`flash_attention_int8_N${N}_Hq${Hq}_Hkv${Hkv}_S${S}_D${D}_${bits}_bit_g${groupSize}_quantizes_in_the_combine_as_o_proj_would`, async () => {
    const { q, k, v, w } = operands(N, Hq, Hkv, 1, S, D, bits, groupSize);
    const wg = onGpu(w);
    const launches = mx.gpu.stats().dispatches;
    const { out, quantized } = flashAttentionInt8(q, k, v, { mask: "causal" }, wg);
    expect(mx.gpu.stats().dispatches - launches).toBe(2); // the chunks, then the combine that quantizes
    expect(quantized?.shape).toEqual([N, 1, Hq * D]);
    const plain = flashAttention(q, k, v, { mask: "causal" });
    await expectClose(await out.toCpu(), await plain.toCpu(), { tol: { rtol: 0, atol: 0 }, label: "out" });
    const x = plain.swapaxes(1, 2).reshape(N, 1, Hq * D);
    const fused = await int8Matmul(quantized!, wg).toCpu();
    // o_proj quantizing x itself (quantize_activations.wgsl): the same int8 x, the same kernel after it.
    await expectClose(fused, await quantizedMatmul(x, wg).toCpu(), { tol: { rtol: 0, atol: 0 }, label: "against quantize_activations" });
    await expectClose(fused, quantizedMatmul(await x.toCpu(), w), { tol: { rtol: 1e-4, atol: 1e-4 }, label: "against the CPU's int8 product" });
  }, GPU_MS);
}

test("flash_attention_int8_leaves_the_output_unquantized_where_no_combine_runs", async () => {
  const cases: [string, number, number, number, number][] = [
    // what, L, S, D, group
    ["a cache of SPLIT_MIN_KEYS keys or fewer", 1, 64, 128, 64],
    ["a prefill", 3, 100, 128, 64],
    ["groups wider than a head", 1, 100, 64, 128],
  ];
  for (const [what, L, S, D, groupSize] of cases) {
    const { q, k, v, w } = operands(1, 2, 1, L, S, D, 4, groupSize);
    const { out, quantized } = flashAttentionInt8(q, k, v, { mask: "causal" }, onGpu(w));
    expect({ what, quantized }).toEqual({ what, quantized: undefined });
    await expectClose(await out.toCpu(), await flashAttention(q, k, v, { mask: "causal" }).toCpu(), { tol: { rtol: 0, atol: 0 }, label: what });
  }
});

test("flash_attention_int8_refuses_weights_it_cannot_quantize_for", () => {
  const { q, k, v, w } = operands(1, 2, 1, 1, 100, 64, 4, 64);
  expect(() => flashAttentionInt8(q, k, v, {}, { ...onGpu(w), activations: "float32" })).toThrow(/^flashAttentionInt8: w multiplies float32 activations; the combine quantizes for activations "int8"$/);
  const narrow = { ...randomWeights(8, 64, 4, 64, "bfloat16", 1), activations: "int8" as const };
  expect(() => flashAttentionInt8(q, k, v, {}, onGpu(narrow))).toThrow(/^flashAttentionInt8: w holds 64 inputs per row, but attention gives H_q \* D = 2 \* 64 = 128$/);
});
