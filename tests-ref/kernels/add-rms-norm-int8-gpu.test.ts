// addRmsNormInt8 (tiny-llm-ext-ref, reference only): x + residual, its RMSNorm and the
// norm's output quantized to int8 for the product after it, in one launch on the GPU;
// then int8Matmul and quantizedSwiGLU multiplying that quantized x without a launch of
// quantize_activations.wgsl. Against the separate ops on the CPU: mx.fast.addRmsNorm,
// then the int8 product (x quantized by the CPU's kernel), and swiglu.
import * as mx from "@tiny-llm/array";
import { addRmsNormInt8, int8Matmul, quantizedMatmul, quantizedSwiGLU, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights, type Float } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") });

/** A tolerance for the int8 product: one code of x̂ more or less (a quotient at k + 1/2 rounded the other way) moves y by about sx * |W|. */
function int8Atol(x: mx.array, w: QuantizedWeights): number {
  const W = dequantize(w);
  return 2 * ((mx.abs(x).max().item() as number) / 127) * (mx.abs(W).max().item() as number);
}

const GPU_MS = 120_000;

// A workgroup of the next power of two of K / 8 threads, at most the GPU's 1,024: K = 2,304
// takes one pass of 512 threads, the last 224 without inputs; K = 256 one of 32; K = 8,448
// two of 1,024, the second partial. On lavapipe (subgroups of 8) a group's threads share a
// subgroup at groups of 32 and 64 (4 and 8 threads), not at 128; portable: no subgroups.
// 12 rows take the tiled int8 kernel, 1 and 3 the decode kernel.
const CASES: [number, number, number, number, Float, boolean, boolean][] = [
  // bits, group, K, M, scales' dtype, with a residual, portable
  [4, 64, 2304, 1, "bfloat16", true, false],
  [4, 32, 256, 3, "float16", true, false],
  [4, 128, 256, 12, "bfloat16", false, false],
  [8, 64, 2304, 3, "float32", true, false],
  [8, 32, 256, 1, "bfloat16", false, false],
  [4, 64, 8448, 1, "bfloat16", true, false],
  [4, 64, 8448, 3, "bfloat16", true, true],
  [4, 128, 2304, 1, "float16", true, true],
];

for (const [bits, groupSize, K, M, sdt, withResidual, portable] of CASES) {
  test(`add_rms_norm_int8_${bits}_bit_g${groupSize}_K${K}_M${M}${withResidual ? "" : "_no_residual"}${portable ? "_portable" : ""}_equals_the_norm_then_the_int8_product`, async () => {
    if (portable) process.env.TINY_LLM_KERNELS = "portable";
    try {
      await normThenProduct(bits, groupSize, K, M, sdt, withResidual);
    } finally {
      delete process.env.TINY_LLM_KERNELS;
    }
  }, GPU_MS);
}

/** addRmsNormInt8, then int8Matmul of what it quantized, against mx.fast.addRmsNorm then the CPU's int8 product. */
async function normThenProduct(bits: number, groupSize: number, K: number, M: number, sdt: Float, withResidual: boolean): Promise<void> {
  const w = { ...randomWeights(40, K, bits, groupSize, sdt, bits + groupSize + M), activations: "int8" as const };
  const x = mx.random.normal([1, M, K], { key: mx.random.key(K + M) });
  const residual = withResidual ? mx.random.normal([1, M, K], { key: mx.random.key(K + M + 1) }) : undefined;
  const weight = mx.random.uniform([K], { low: 0.5, high: 1.5, key: mx.random.key(3) }).astype("bfloat16");
  const eps = 1e-6;
  const [h, normed] = residual === undefined ? [x, mx.fast.rmsNorm(x, weight, eps)] : mx.fast.addRmsNorm(x, residual, weight, eps);
  const xg = x.toDevice("gpu");
  const launches = mx.gpu.stats().dispatches;
  const [hg, q] = addRmsNormInt8(xg, residual?.toDevice("gpu"), weight.toDevice("gpu"), eps, onGpu(w));
  expect(mx.gpu.stats().dispatches - launches).toBe(1);
  expect(q.shape).toEqual([1, M, K]);
  if (residual === undefined) expect(hg).toBe(xg);
  else await expectClose(await hg.toCpu(), h, { tol: { rtol: 0, atol: 0 }, label: "h = x + residual" });
  const before = mx.gpu.stats().dispatches;
  const y = int8Matmul(q, onGpu(w));
  expect(mx.gpu.stats().dispatches - before).toBe(1);
  expect(y.shape).toEqual([1, M, 40]);
  await expectClose(await y.toCpu(), quantizedMatmul(normed, w), { tol: { rtol: 1e-4, atol: int8Atol(normed, w) }, label: "int8Matmul" });
}

test("quantized_swiglu_takes_int8_activations_without_quantizing_again", async () => {
  const K = 256;
  const w = { ...randomWeights(2 * 37, K, 4, 64, "bfloat16", 90), activations: "int8" as const };
  const weight = mx.ones([K], "float32");
  for (const M of [1, 12]) {
    const x = mx.random.normal([M, K], { key: mx.random.key(M) });
    const [, q] = addRmsNormInt8(x.toDevice("gpu"), undefined, weight.toDevice("gpu"), 1e-6, onGpu(w));
    const launches = mx.gpu.stats().dispatches;
    const y = quantizedSwiGLU(q, onGpu(w));
    // One row: the int8 decode kernel with SWIGLU; 12 rows: the tiled int8 kernel, then swiglu.
    expect(mx.gpu.stats().dispatches - launches).toBe(M === 1 ? 1 : 2);
    const normed = mx.fast.rmsNorm(x, weight, 1e-6);
    await expectClose(await y.toCpu(), quantizedSwiGLU(normed, w), { tol: { rtol: 1e-4, atol: 4 * int8Atol(normed, w) }, label: `M ${M}` });
  }
}, GPU_MS);

test("add_rms_norm_int8_bad_input_names_what_was_expected", () => {
  const K = 128;
  const w = onGpu({ ...randomWeights(8, K, 4, 64, "bfloat16", 91), activations: "int8" as const });
  const x = mx.zeros([1, K], "float32", "gpu");
  const weight = mx.ones([K], "float32", "gpu");
  expect(() => addRmsNormInt8(mx.zeros([1, K]), undefined, weight, 1e-6, w)).toThrow(/^addRmsNormInt8: x is on the cpu; the fused norm runs on the GPU/);
  expect(() => addRmsNormInt8(x, undefined, weight, 1e-6, { ...w, activations: "float32" })).toThrow(/^addRmsNormInt8: w multiplies float32 activations; the norm quantizes for activations "int8"$/);
  expect(() => addRmsNormInt8(mx.zeros([1, 2 * K], "float32", "gpu"), undefined, weight, 1e-6, w)).toThrow(/^addRmsNormInt8: x has K = 256, but w holds 128 inputs per row$/);
  expect(() => addRmsNormInt8(x, mx.zeros([2, K], "float32", "gpu"), weight, 1e-6, w)).toThrow(/^addRmsNormInt8: residual has shape \[2,128\], expected \[1,128\]/);
  const [, q] = addRmsNormInt8(x, undefined, weight, 1e-6, w);
  const other = onGpu({ ...randomWeights(8, K, 8, 64, "bfloat16", 92), activations: "int8" as const });
  expect(() => int8Matmul(q, other)).toThrow(/^int8Matmul: x was quantized for 4-bit weights in groups of 64, but w is 8-bit in groups of 64$/);
  expect(() => int8Matmul(q, { ...w, activations: "float32" })).toThrow(/^int8Matmul: x is quantized to int8 \(Int8Activations\), but w multiplies float32 activations/);
});
