// A linear layer whose weight stays quantized in memory (MLX's affine layout): the
// kernel reads the packed codes, so a 4-bit model takes its 4-bit size, not bf16's.
import * as mx from "@tiny-llm/array";
import { quantizedMatmul, type QuantizedWeights } from "@tiny-llm/tiny-llm-ext-ref";
import { linear } from "@tiny-llm/tiny-llm-week1-ref";

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

/** x @ W^T + bias for either kind of weight. */
export function linearWeight(x: mx.array, w: LinearWeight, bias?: mx.array): mx.array {
  return w instanceof mx.NDArray ? linear(x, w, bias) : quantizedLinear(x, w, bias);
}
