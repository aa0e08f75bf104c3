// Random MLX-quantized weights and their plain dequantization with array ops: the inputs
// and the oracle of the quantizedMatmul tests (CPU and GPU).
import * as mx from "@tiny-llm/array";
import type { QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";

export type Float = "float32" | "float16" | "bfloat16";

/** Random quantized weights of an O x K matrix (every code value occurs). */
export function randomWeights(O: number, K: number, bits: number, groupSize: number, sdt: Float, seed: number): QuantizedWeights {
  const keys = mx.random.split(mx.random.key(seed), 3);
  const [k1, k2, k3] = [0, 1, 2].map((i) => keys.slice(i));
  const weight = mx.random.bits([O, (K * bits) / 32], { key: k1 });
  const scales = mx.random.uniform([O, K / groupSize], { low: 0.01, high: 0.1, key: k2 }).astype(sdt);
  const biases = mx.random.normal([O, K / groupSize], { scale: 0.1, key: k3 }).astype(sdt);
  return { weight, scales, biases, groupSize, bits };
}

/** W (O x K, float32) = code * scale + bias, unpacked with array ops: the plain computation. */
export function dequantize(w: QuantizedWeights): mx.array {
  const [O, words] = w.weight.shape;
  const K = (words * 32) / w.bits;
  const powers = mx.power(2, mx.arange(0, 32, w.bits, "uint32")); // word >> (i * bits) = floor(word / 2^(i * bits))
  const codes = mx.floorDivide(w.weight.expandDims(-1), powers).remainder(2 ** w.bits); // O x words x codes-per-word
  const grouped = codes.astype("float32").reshape(O, K / w.groupSize, w.groupSize);
  const s = w.scales.astype("float32").expandDims(-1);
  const b = w.biases.astype("float32").expandDims(-1);
  return grouped.multiply(s).add(b).reshape(O, K);
}
