// A linear layer whose weight stays quantized in memory (MLX's affine layout): the
// kernel reads the packed codes, so a 4-bit model takes its 4-bit size, not bf16's.
import * as mx from "@tiny-llm/array";
import { int8Matmul, type Int8Activations, quantizedMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";
import { ArgumentError, linear } from "@tiny-llm/tiny-llm-week1-ref";

/**
 * A linear layer as the quantized checkpoints store it: x @ W^T + bias, with W (O x I)
 * given packed and computed by quantizedMatmul without unpacking W in memory.
 *
 *   x: N.. x I    w: QuantizedWeights of W (O x I)    bias: O    ->  N.. x O
 *
 * Week 2, day 2, task 2 (book: week2-02-quantized-matmul.md).
 */
export function quantizedLinear(x: mx.array, w: QuantizedWeights, bias?: mx.array): mx.array {
  const y = quantizedMatmul(x, w);
  return bias === undefined ? y : y.add(bias);
}

/** A weight as a checkpoint holds it: a plain O x I matrix, or quantized. */
export type LinearWeight = mx.array | QuantizedWeights;

/**
 * Whether the op that makes x (on the GPU) should also quantize it to int8 for its product
 * with w (Int8Activations): w is quantized with int8 activations, so the product would
 * otherwise launch x's quantization itself.
 */
export function quantizesFor(x: mx.array, w: LinearWeight): w is QuantizedWeights {
  return x.device === "gpu" && !(w instanceof mx.NDArray) && w.activations === "int8";
}

/** x @ W^T + bias for either kind of weight; x may come quantized to int8 (Int8Activations, from addRmsNormInt8) for a quantized W. */
export function linearWeight(x: mx.array | Int8Activations, w: LinearWeight, bias?: mx.array): mx.array {
  if (x instanceof mx.NDArray) return w instanceof mx.NDArray ? linear(x, w, bias) : quantizedLinear(x, w, bias);
  if (w instanceof mx.NDArray) throw new ArgumentError("linearWeight", "x is quantized to int8 (Int8Activations), which only a quantized weight multiplies");
  const y = int8Matmul(x, w);
  return bias === undefined ? y : y.add(bias);
}
