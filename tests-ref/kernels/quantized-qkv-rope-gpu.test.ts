// quantizedQkvRope (tiny-llm-ext-ref, reference only): the q/k/v product and ropeIntoCache's
// work in one launch of the GPU's decode kernel (ROPE), against the two launches it
// replaces (the product, then ropeIntoCache), with the slots in the middle of a larger
// cache whose other positions must stay as they were; and where the fused kernel does not
// apply (more than 8 rows of x), the same function taking those two launches.
import * as mx from "@tiny-llm/array";
import { addRmsNormInt8, int8Matmul, type Int8Activations, quantizedMatmul, quantizedQkvRope, type QuantizedWeights, ropeIntoCache } from "@tiny-llm/tiny-llm-ext-ref";

import { expectClose } from "../../tests/helpers/compare";
import { randomNormal } from "../../tests/helpers/reference";
import { randomWeights } from "./quantized-weights";

beforeAll(async () => {
  await mx.gpu.init();
});

const gpu = (a: mx.array) => a.toDevice("gpu");
const onGpu = (w: QuantizedWeights): QuantizedWeights => ({ ...w, weight: gpu(w.weight), scales: gpu(w.scales), biases: gpu(w.biases) });
// H = 8 heads of D = 16: 64 pairs, in workgroups of 2 (float x) or 4 (int8 x) pairs.
const [Hq, Hkv, D, E, AT, CAPACITY] = [4, 2, 16, 128, 5, 16];
const H = Hq + 2 * Hkv;

/** A cache's buffers (N x H_kv x CAPACITY x D, not zeros) and its slots at positions AT .. AT + L. */
function cache(N: number, L: number, seed: number) {
  const [keys, values] = [gpu(randomNormal(seed, [N, Hkv, CAPACITY, D])), gpu(randomNormal(seed + 1, [N, Hkv, CAPACITY, D]))];
  const slots = (c: mx.array) => c.slice(":", ":", `${AT}:${AT + L}`);
  return { keys, values, slots };
}

/** x (N x L x E) as the product takes it: itself, or quantized to int8 first (addRmsNormInt8's x̂ of norm(x) with a unit weight: any x̂ will do). */
function productInput(x: mx.array, w: QuantizedWeights, given: boolean): mx.array | Int8Activations {
  return given ? addRmsNormInt8(x, undefined, gpu(mx.ones([E])), 1e-6, w)[1] : x;
}

const cases: [string, "float32" | "int8", boolean][] = [["x_float32", "float32", false], ["x_int8", "int8", false], ["x_int8_given", "int8", true]];
for (const [name, activations, given] of cases) {
  for (const [bits, traditional, withBias] of [[4, false, true], [8, true, false]] as const) {
    test(`quantized_qkv_rope_${name}_${bits}_bit_traditional_${traditional}_bias_${withBias}_equals_the_product_then_rope_into_cache`, async () => {
      const w = onGpu({ ...randomWeights(H * D, E, bits, 64, "bfloat16", 90 + bits), activations });
      const bias = withBias ? gpu(randomNormal(2, [H * D])) : undefined;
      const opts = { heads: Hq, kvHeads: Hkv, traditional };
      for (const [N, L] of [[1, 1], [2, 1], [1, 3]]) {
        const [cos, sin] = [gpu(randomNormal(3, [L, D / 2])), gpu(randomNormal(4, [L, D / 2]))];
        const x = productInput(gpu(randomNormal(N + L, [N, L, E])), w, given);
        const fused = cache(N, L, 10);
        const launches = mx.gpu.stats().dispatches;
        const q = quantizedQkvRope(x, w, bias, cos, sin, fused.slots(fused.keys), fused.slots(fused.values), opts);
        // With int8 activations given as x itself, its quantization is one launch more.
        expect(mx.gpu.stats().dispatches - launches).toBe(activations === "int8" && !given ? 2 : 1);
        const apart = cache(N, L, 10);
        const y = x instanceof mx.NDArray ? quantizedMatmul(x, w) : int8Matmul(x, w);
        const qApart = ropeIntoCache(y.reshape([N, L, H, D]), bias, cos, sin, apart.slots(apart.keys), apart.slots(apart.values), opts);
        const label = `N ${N}, L ${L}`;
        expect(q.shape).toEqual([N, L, Hq, D]);
        await expectClose(q, qApart, { tol: { rtol: 1e-5, atol: 1e-5 }, label: `${label}: q` });
        // Every position of the caches: the slots written alike, the others as they were.
        await expectClose(fused.keys, apart.keys, { tol: { rtol: 1e-5, atol: 1e-5 }, label: `${label}: keys` });
        await expectClose(fused.values, apart.values, { tol: { rtol: 1e-5, atol: 1e-5 }, label: `${label}: values` });
      }
    }, 180_000);
  }
}

test("quantized_qkv_rope_without_the_fused_kernel_takes_the_two_launches", async () => {
  const w = onGpu(randomWeights(H * D, E, 4, 64, "bfloat16", 95));
  const [N, L] = [1, 9]; // 9 rows of x: the tiled kernel, which has no ROPE
  const [cos, sin] = [gpu(randomNormal(3, [L, D / 2])), gpu(randomNormal(4, [L, D / 2]))];
  const x = gpu(randomNormal(5, [N, L, E]));
  const opts = { heads: Hq, kvHeads: Hkv, traditional: false };
  const fused = cache(N, L, 20);
  const launches = mx.gpu.stats().dispatches;
  const q = quantizedQkvRope(x, w, undefined, cos, sin, fused.slots(fused.keys), fused.slots(fused.values), opts);
  expect(mx.gpu.stats().dispatches - launches).toBe(2);
  const apart = cache(N, L, 20);
  const qApart = ropeIntoCache(quantizedMatmul(x, w).reshape([N, L, H, D]), undefined, cos, sin, apart.slots(apart.keys), apart.slots(apart.values), opts);
  await expectClose(q, qApart, { tol: { rtol: 0, atol: 0 }, label: "q" });
  await expectClose(fused.keys, apart.keys, { tol: { rtol: 0, atol: 0 }, label: "keys" });
}, 180_000);

test("quantized_qkv_rope_bad_input_names_what_was_expected", () => {
  const w = onGpu(randomWeights(H * D, E, 4, 64, "bfloat16", 96));
  const x = gpu(mx.zeros([1, 1, E]));
  const table = gpu(mx.zeros([1, D / 2]));
  const { keys, values, slots } = cache(1, 1, 30);
  const opts = { heads: Hq, kvHeads: Hkv, traditional: false };
  const call = (xx: mx.array, o = opts, cos = table) => () => quantizedQkvRope(xx, w, undefined, cos, table, slots(keys), slots(values), o);
  expect(call(x, { ...opts, heads: 3 })).toThrow(/^quantizedQkvRope: qkv has 128 rows, expected \(H_q \+ 2 H_kv\) \* D with H_q \+ 2 H_kv = 3 \+ 2 x 2$/);
  expect(call(x, { ...opts, heads: 126, kvHeads: 1 })).toThrow(/^quantizedQkvRope: the product has shape \[1,1,128,1\], expected H_q \+ 2 H_kv = 126 \+ 2 x 1 heads of an even D$/);
  expect(call(gpu(mx.zeros([1, E])))).toThrow(/^quantizedQkvRope: x must be N x L x E, got shape \[1,128\]$/);
  expect(call(x, opts, gpu(mx.zeros([2, D / 2])))).toThrow(/^quantizedQkvRope: cos has shape \[2,8\], expected \[1,8\] \(L x D\/2\)$/);
  expect(call(gpu(mx.zeros([1, 1, E + 64])))).toThrow(/^quantizedQkvRope: qkv.weight has shape \[128,16\], which holds 128 4-bit inputs per row, but x has K = 192/);
});
