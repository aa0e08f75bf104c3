// The MLP's first half in one kernel call: the product with [W_gate; W_up] and the
// SwiGLU after it, where the model otherwise makes the product, then mx.fast.swiglu
// (on the CPU: silu and a multiply, with the product's halves as views between them). On
// the GPU the decode kernels (quantized_matmul_decode.wgsl, and
// quantized_matmul_decode_int8.wgsl for int8 activations, with SWIGLU) give each workgroup
// rows i of W_gate and I + i of W_up, so both halves of an output end in one workgroup,
// which writes silu(gate) * up; a GPU decode step is bound by the host's 10-15 us of
// recording per launch (book: week2-05, "Four launches in one"). On the CPU the addon's
// quantizedMatmul applies it to the product's rows before it returns. Reference only: the
// learner's model takes the two ops.
import * as mx from "@tiny-llm/array";

import { ArgumentError } from "./checks";
import { decodes } from "./gpu/quantized-matmul";
import type { Int8Matmul } from "./int8-matmul";
import { checkInt8Product, checkQuantizedMatmul, type Int8Activations, matmulParams, packed, type QuantizedMatmulParams, type QuantizedWeights } from "./quantized-matmul";

/**
 * silu(x @ W_gate.T) * (x @ W_up.T) for `gateUp` = [W_gate; W_up] (2I x K) quantized. On
 * the CPU, for float32 x, one call of the addon's product; on the GPU, for float32 x of
 * few rows, one launch (with int8 activations, one more before it: x's quantization, none
 * when x comes quantized: Int8Activations); elsewhere `quantizedMatmul` (int8Matmul for
 * Int8Activations), then mx.fast.swiglu (the same result, to float32 rounding).
 *
 *   x: N.. x K (or its Int8Activations)    gateUp: QuantizedWeights of [W_gate; W_up] (2I x K)  ->  N.. x I
 */
export type QuantizedSwiGLU = (x: mx.array | Int8Activations, gateUp: QuantizedWeights) => mx.array;

/**
 * quantizedSwiGLU over `quantizedMatmul`, `int8Matmul` and the quantized matmul's
 * implementations, `cpu` (this package's addon) and `gpu` (quantizedMatmulGpu, over this
 * package's WGSL).
 */
export function bindQuantizedSwiGLU(
  quantizedMatmul: (x: mx.array, w: QuantizedWeights) => mx.array, int8Matmul: Int8Matmul, { cpu, gpu }: Required<mx.CustomKernel<QuantizedMatmulParams>["implementations"]>,
): QuantizedSwiGLU {
  const kernel: mx.CustomKernel<QuantizedMatmulParams> = { name: "quantizedSwiGLU", implementations: { cpu, gpu } };
  return (x, gateUp) => {
    const fn = "quantizedSwiGLU";
    const quantized = !(x instanceof mx.NDArray);
    const { K, O, activations } = quantized ? { ...checkInt8Product(fn, x, gateUp, "gateUp"), activations: "int8" as const } : checkQuantizedMatmul(fn, x, gateUp, "gateUp");
    if (O % 2 !== 0) throw new ArgumentError(fn, `gateUp has ${O} rows, expected 2I: W_gate's I rows, then W_up's`);
    const lead = x.shape.slice(0, -1);
    const M = lead.reduce((a, b) => a * b, 1);
    const w = packed(gateUp);
    const onCpu = !quantized && x.device === "cpu";
    const fused = onCpu ? x.dtype === "float32" : (quantized || x.dtype === "float32") && decodes(M, w[0], activations);
    if (!fused) {
      const [gate, up] = mx.split(quantized ? int8Matmul(x, gateUp) : quantizedMatmul(x, gateUp), 2, -1);
      return mx.fast.swiglu(gate, up);
    }
    const inputs = quantized ? [x.xq, x.xs, ...w] : [x.reshape([M, K]), ...w];
    const [y] = mx.runKernel(kernel, inputs, [{ shape: [M, O / 2], dtype: "float32" }], matmulParams(gateUp, activations, true, quantized));
    return y.reshape([...lead, O / 2]);
  };
}
