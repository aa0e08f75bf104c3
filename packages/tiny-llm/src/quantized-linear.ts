// A linear layer whose weight stays quantized in memory (MLX's affine layout): the
// kernel reads the packed codes, so a 4-bit model takes its 4-bit size, not bf16's.
import * as mx from "@tiny-llm/array";
import type { QuantizedWeights } from "@tiny-llm/tiny-llm-ext";
import { NotImplementedError } from "./not-implemented";

/**
 * A linear layer as the quantized checkpoints store it: x @ W^T + bias, with W (O x I)
 * given packed and computed by quantizedMatmul without unpacking W in memory.
 *
 *   x: N.. x I    w: QuantizedWeights of W (O x I)    bias: O    ->  N.. x O
 *
 * Week 2, day 2, task 2 (book: week2-02-quantized-matmul.md).
 */
export function quantizedLinear(x: mx.array, w: QuantizedWeights, bias?: mx.array): mx.array {
  throw new NotImplementedError("quantizedLinear", ["week_2_day_2_task_2"], "week2-02-quantized-matmul.md");
}
