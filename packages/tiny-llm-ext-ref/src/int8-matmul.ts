// x̂ @ W.T for x already quantized to int8 (Int8Activations, from addRmsNormInt8): the GPU's
// int8 kernels (quantized_matmul_decode_int8.wgsl, quantized_matmul_tiled_int8.wgsl)
// without the launch of quantize_activations.wgsl before them. Reference only.
import * as mx from "@tiny-llm/array";

import { checkInt8Product, type Int8Activations, matmulParams, packed, type QuantizedMatmulParams, type QuantizedWeights } from "./quantized-matmul";

/**
 * x̂ @ W.T for x given quantized, W's activations "int8"; the same product as
 * quantizedMatmul(x, w) with x̂ = x's quantization. GPU only.
 *
 *   x: Int8Activations of N.. x K    w: QuantizedWeights of W (O x K)  ->  N.. x O (float32)
 */
export type Int8Matmul = (x: Int8Activations, w: QuantizedWeights) => mx.array;

/** int8Matmul over `gpu`, the quantized matmul's GPU implementation (quantizedMatmulGpu, over this package's WGSL). */
export function bindInt8Matmul(gpu: mx.KernelImpl<QuantizedMatmulParams>): Int8Matmul {
  const kernel: mx.CustomKernel<QuantizedMatmulParams> = { name: "int8Matmul", implementations: { gpu } };
  return (x, w) => {
    const { O } = checkInt8Product("int8Matmul", x, w);
    const lead = x.shape.slice(0, -1);
    const M = lead.reduce((a, b) => a * b, 1);
    const [y] = mx.runKernel(kernel, [x.xq, x.xs, ...packed(w)], [{ shape: [M, O], dtype: "float32" }], matmulParams(w, "int8", false, true));
    return y.reshape([...lead, O]);
  };
}
