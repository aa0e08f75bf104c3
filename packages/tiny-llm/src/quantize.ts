// MLX affine quantization: how 4-bit checkpoints store a weight matrix.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/**
 * Unpacks an MLX affine-quantized matrix: each uint32 word of `w` holds 32 / bits codes,
 * the lowest bits first along the input axis; every `groupSize` consecutive inputs of a
 * row share one scale and one bias, and w = scale * code + bias. The result has the
 * scales' dtype (computed in float32, rounded once).
 *
 *   w: O x (I * bits / 32) uint32    scales, biases: O x (I / groupSize)    ->  O x I
 *
 * Week 1, day 6, task 1 (book: week1-06-loading-checkpoints.md).
 */
export function dequantizeLinear(w: mx.array, scales: mx.array, biases: mx.array, groupSize: number, bits: number): mx.array {
  throw new NotImplementedError("dequantizeLinear", ["week_1_day_6_task_1"], "week1-06-loading-checkpoints.md");
}
