// quantizedSwiGLU (tiny-llm-ext-ref, reference only): the product with [W_gate; W_up] and
// SwiGLU in one launch of the GPU's decode kernel, and in one call of the CPU's product
// (float32 x, any rows), against dequantize-then-matmul and silu(gate) * up done by array
// ops (with int8 activations: against the CPU's int8 product, then swiglu); and the same
// function where the fused kernel does not apply (more rows on the GPU, x not float32),
// which takes quantizedMatmul then mx.fast.swiglu.
import * as mx from "@tiny-llm/array";
import { quantizedSwiGLU, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights, type Float } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") });

/** silu(x @ W_gate.T) * (x @ W_up.T) with array ops, W = [W_gate; W_up] dequantized; and the tolerance its sums allow. */
function oracle(x: mx.array, w: QuantizedWeights): { y: mx.array; atol: number } {
  const W = dequantize(w);
  const I = W.shape[0] / 2;
  const [gate, up] = [W.slice(`0:${I}`), W.slice(`${I}:`)].map((h) => mx.matmul(x, h.T));
  const scale = mx.matmul(mx.abs(x), mx.abs(W).T).max().item() as number;
  return { y: gate.multiply(mx.sigmoid(gate)).multiply(up), atol: 4e-6 * scale * scale };
}

// I = 37: the last workgroup holds one output of its two (ROWS / 2 = 2 a workgroup).
const [I, K] = [37, 256];

for (const [bits, sdt] of [[4, "bfloat16"], [8, "float32"], [4, "float16"]] as [number, Float][]) {
  test(`quantized_swiglu_${bits}_bit_${sdt}_scales_one_launch_equals_the_separate_ops`, async () => {
    const w = randomWeights(2 * I, K, bits, 64, sdt, 40 + bits);
    const gw = onGpu(w);
    for (const M of [1, 3]) {
      const x = mx.random.normal([1, M, K], { key: mx.random.key(M) });
      const { y, atol } = oracle(x, w);
      const launches = mx.gpu.stats().dispatches;
      const fused = quantizedSwiGLU(x.toDevice("gpu"), gw);
      expect(mx.gpu.stats().dispatches - launches).toBe(1);
      expect(fused.shape).toEqual([1, M, I]);
      await expectClose(await fused.toCpu(), y, { tol: { rtol: 1e-5, atol }, label: `M ${M}` });
    }
  }, 120_000);
}

for (const [bits, sdt] of [[4, "bfloat16"], [8, "float32"], [4, "float16"]] as [number, Float][]) {
  test(`quantized_swiglu_${bits}_bit_${sdt}_scales_on_the_cpu_equals_the_separate_ops`, () => {
    const w = randomWeights(2 * I, K, bits, 64, sdt, 140 + bits);
    for (const M of [1, 3, 12]) {
      const x = mx.random.normal([1, M, K], { key: mx.random.key(20 + M) });
      const { y, atol } = oracle(x, w);
      const fused = quantizedSwiGLU(x, w);
      expect(fused.shape).toEqual([1, M, I]);
      expectClose(fused, y, { tol: { rtol: 1e-5, atol }, label: `M ${M}` });
    }
    // bfloat16 x: the product in x's dtype, then mx.fast.swiglu.
    const xb = mx.random.normal([2, K], { key: mx.random.key(30) }).astype("bfloat16");
    const { y, atol } = oracle(xb.astype("float32"), w);
    expectClose(quantizedSwiGLU(xb, w).astype("float32"), y, { tol: { rtol: 2e-2, atol: 2e-2 + atol }, label: "bfloat16 x" });
  });
}

test("quantized_swiglu_reads_a_strided_x", async () => {
  const w = randomWeights(2 * I, K, 4, 32, "bfloat16", 50);
  const wide = mx.random.normal([2, K + 8], { key: mx.random.key(7) });
  const x = wide.slice(":", `3:${K + 3}`); // rows K + 8 apart, starting off a vec4
  const { y, atol } = oracle(x, w);
  await expectClose(await quantizedSwiGLU(x.toDevice("gpu"), onGpu(w)).toCpu(), y, { tol: { rtol: 1e-5, atol }, label: "strided x" });
}, 120_000);

test("quantized_swiglu_without_the_fused_kernel_takes_the_two_ops", async () => {
  const w = randomWeights(2 * I, K, 4, 64, "bfloat16", 60);
  const x = mx.random.normal([12, K], { key: mx.random.key(8) });
  const { y, atol } = oracle(x, w);
  // The CPU; 12 rows on the GPU (the tiled kernel, then swiglu).
  await expectClose(quantizedSwiGLU(x, w), y, { tol: { rtol: 1e-5, atol }, label: "cpu" });
  const launches = mx.gpu.stats().dispatches;
  const onTheGpu = quantizedSwiGLU(x.toDevice("gpu"), onGpu(w));
  expect(mx.gpu.stats().dispatches - launches).toBe(2);
  await expectClose(await onTheGpu.toCpu(), y, { tol: { rtol: 1e-5, atol }, label: "gpu, 12 rows" });
}, 120_000);

// int8 activations: x's quantization, then the int8 decode kernel with SWIGLU (2 launches),
// against the CPU's int8 product (the same x̂) and swiglu. I = 37 again: the last
// workgroup holds one output.
for (const [bits, sdt] of [[4, "bfloat16"], [8, "float16"]] as [number, Float][]) {
  test(`quantized_swiglu_int8_activations_${bits}_bit_two_launches_equal_the_cpu`, async () => {
    const w = { ...randomWeights(2 * I, K, bits, 64, sdt, 80 + bits), activations: "int8" as const };
    const gw = onGpu(w);
    for (const M of [1, 3]) {
      const x = mx.random.normal([M, K], { key: mx.random.key(10 + M) });
      const launches = mx.gpu.stats().dispatches;
      const fused = quantizedSwiGLU(x.toDevice("gpu"), gw);
      expect(mx.gpu.stats().dispatches - launches).toBe(2);
      const { atol } = oracle(x, w);
      await expectClose(await fused.toCpu(), quantizedSwiGLU(x, w), { tol: { rtol: 1e-4, atol: 1e-4 * atol }, label: `M ${M}` });
    }
  }, 120_000);
}

test("quantized_swiglu_bad_input_names_what_was_expected", () => {
  const odd = onGpu(randomWeights(2 * I + 1, K, 4, 64, "bfloat16", 70));
  expect(() => quantizedSwiGLU(mx.zeros([1, K], "float32", "gpu"), odd)).toThrow(/^quantizedSwiGLU: gateUp has 75 rows, expected 2I: W_gate's I rows, then W_up's$/);
  const w = onGpu(randomWeights(2 * I, K, 4, 64, "bfloat16", 71));
  expect(() => quantizedSwiGLU(mx.zeros([1, K + 64], "float32", "gpu"), w)).toThrow(/^quantizedSwiGLU: gateUp.weight has shape \[74,32\], which holds 256 4-bit inputs per row, but x has K = 320/);
});
