// quantizedNormMatmul (tiny-llm-ext-ref, reference only): the residual add, the RMSNorm
// and the product with a quantized W (or [W_gate; W_up] and SwiGLU) in one launch of the
// GPU's decode kernel, against the norm and the product done by array ops on the
// dequantized W; and the same function where the fused kernel does not apply (the CPU,
// more rows, int8 activations), which takes mx.fast.addRmsNorm, then the product.
import * as mx from "@tiny-llm/array";
import { quantizedNormMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { dequantize, randomWeights, type Float } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: w.weight.toDevice("gpu"), scales: w.scales.toDevice("gpu"), biases: w.biases.toDevice("gpu") });
const EPS = 1e-6;

/** h = x + r, rmsNorm(h) with array ops, then its product with W dequantized (silu(gate) * up with swiglu); and the tolerance its sums allow. */
function oracle(x: mx.array, r: mx.array | undefined, g: mx.array, w: QuantizedWeights, swiglu: boolean): { h: mx.array; y: mx.array; atol: number } {
  const h = r === undefined ? x : x.add(r);
  const normed = h.multiply(h.square().mean(-1, true).add(EPS).rsqrt()).multiply(g.astype("float32"));
  const W = dequantize(w);
  const scale = mx.matmul(mx.abs(normed), mx.abs(W).T).max().item() as number;
  if (!swiglu) return { h, y: mx.matmul(normed, W.T), atol: 4e-6 * scale };
  const I = W.shape[0] / 2;
  const [gate, up] = [W.slice(`0:${I}`), W.slice(`${I}:`)].map((half) => mx.matmul(normed, half.T));
  return { h, y: gate.multiply(mx.sigmoid(gate)).multiply(up), atol: 4e-6 * scale * scale };
}

// O = 74: the last workgroup of the plain product holds two outputs of its four, of the SwiGLU one one of two.
const [O, K] = [74, 256];

for (const [bits, sdt, gdt] of [[4, "bfloat16", "bfloat16"], [8, "float32", "float32"], [4, "float16", "float16"]] as [number, Float, Float][]) {
  for (const swiglu of [false, true]) {
    test(`quantized_norm_matmul_${bits}_bit_${sdt}_scales${swiglu ? "_swiglu" : ""}_one_launch_equals_the_separate_ops`, async () => {
      const w = randomWeights(O, K, bits, 64, sdt, 80 + bits);
      const gw = onGpu(w);
      const g = mx.random.uniform([K], { low: 0.5, high: 1.5, key: mx.random.key(3) }).astype(gdt);
      for (const M of [1, 3]) {
        for (const withResidual of [true, false]) {
          const x = mx.random.normal([1, M, K], { key: mx.random.key(M) });
          const r = withResidual ? mx.random.normal([1, M, K], { key: mx.random.key(10 + M) }) : undefined;
          const { h, y, atol } = oracle(x, r, g, w, swiglu);
          const launches = mx.gpu.stats().dispatches;
          const [hg, yg] = quantizedNormMatmul(x.toDevice("gpu"), r?.toDevice("gpu"), { weight: g.toDevice("gpu"), eps: EPS }, gw, { swiglu });
          expect(mx.gpu.stats().dispatches - launches).toBe(1);
          const label = `M ${M}, ${withResidual ? "with" : "without"} a residual`;
          expect(yg.shape).toEqual([1, M, swiglu ? O / 2 : O]);
          await expectClose(await hg.toCpu(), h, { tol: { rtol: 0, atol: 0 }, label: `${label}: h` });
          await expectClose(await yg.toCpu(), y, { tol: { rtol: 1e-5, atol }, label });
        }
      }
    }, 120_000);
  }
}

test("quantized_norm_matmul_without_the_fused_kernel_takes_the_two_ops", async () => {
  const w = randomWeights(O, K, 4, 64, "bfloat16", 90);
  const g = mx.random.uniform([K], { low: 0.5, high: 1.5, key: mx.random.key(4) }).astype("bfloat16");
  const x = mx.random.normal([12, K], { key: mx.random.key(8) });
  const r = mx.random.normal([12, K], { key: mx.random.key(9) });
  const { h, y, atol } = oracle(x, r, g, w, false);
  // The CPU; 12 rows on the GPU (addRmsNorm, then the tiled kernel).
  const [hc, yc] = quantizedNormMatmul(x, r, { weight: g, eps: EPS }, w);
  await expectClose(hc, h, { tol: { rtol: 0, atol: 0 }, label: "cpu: h" });
  await expectClose(yc, y, { tol: { rtol: 1e-5, atol }, label: "cpu" });
  const launches = mx.gpu.stats().dispatches;
  const [, yg] = quantizedNormMatmul(x.toDevice("gpu"), r.toDevice("gpu"), { weight: g.toDevice("gpu"), eps: EPS }, onGpu(w));
  expect(mx.gpu.stats().dispatches - launches).toBe(2);
  await expectClose(await yg.toCpu(), y, { tol: { rtol: 1e-5, atol }, label: "gpu, 12 rows" });
  // A residual whose rows do not start a vec4: the two ops as well.
  const wide = mx.random.normal([1, K + 8], { key: mx.random.key(5) });
  const rOff = wide.slice(":", `3:${K + 3}`);
  const off = oracle(x.slice("0:1"), rOff, g, w, false);
  const [, yo] = quantizedNormMatmul(x.slice("0:1").toDevice("gpu"), rOff.toDevice("gpu"), { weight: g.toDevice("gpu"), eps: EPS }, onGpu(w));
  await expectClose(await yo.toCpu(), off.y, { tol: { rtol: 1e-5, atol: off.atol }, label: "strided residual" });
}, 120_000);

test("quantized_norm_matmul_bad_input_names_what_was_expected", () => {
  const w = onGpu(randomWeights(O, K, 4, 64, "bfloat16", 91));
  const x = mx.zeros([1, K], "float32", "gpu");
  const norm = { weight: mx.ones([K], "float32", "gpu"), eps: EPS };
  expect(() => quantizedNormMatmul(x, mx.zeros([2, K], "float32", "gpu"), norm, w)).toThrow(/^quantizedNormMatmul: residual must be an array of x's shape \[1,256\], got \[2,256\]$/);
  expect(() => quantizedNormMatmul(x, undefined, { weight: mx.ones([K + 1], "float32", "gpu"), eps: EPS }, w)).toThrow(/^quantizedNormMatmul: norm must be \{ weight: an array of shape \[256\] \(K\), eps: a number >= 0 \}$/);
  expect(() => quantizedNormMatmul(x, undefined, { ...norm, eps: -1 }, w)).toThrow(/^quantizedNormMatmul: norm must be/);
  expect(() => quantizedNormMatmul(x, undefined, norm, onGpu(randomWeights(O + 1, K, 4, 64, "bfloat16", 92)), { swiglu: true })).toThrow(/^quantizedNormMatmul: w has 75 rows, but swiglu takes \[W_gate; W_up\]: 2I rows$/);
  expect(() => quantizedNormMatmul(mx.zeros([1, K + 64], "float32", "gpu"), undefined, norm, w)).toThrow(/^quantizedNormMatmul: w.weight has shape \[74,32\], which holds 256 4-bit inputs per row, but x has K = 320/);
});
