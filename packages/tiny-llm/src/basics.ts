// The small functions every layer is built from: softmax, linear, silu.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/**
 * Softmax over `axis`: exp(x - max) / sum(exp(x - max)). Subtracting the max keeps exp
 * from overflowing; half-precision inputs are computed in float32 and the result is
 * cast back to the input dtype.
 *
 * Week 1, day 1, task 1 (book: week1-01-attention.md).
 */
export function softmax(x: mx.array, axis: number): mx.array {
  throw new NotImplementedError("softmax", ["week_1_day_1_task_1"], "week1-01-attention.md");
}

/**
 * A linear layer as checkpoints store it: x @ w^T + bias.
 *
 *   x: N.. x I    w: O x I    bias: O    ->  N.. x O
 *
 * Week 1, day 1, task 2 (book: week1-01-attention.md).
 */
export function linear(x: mx.array, w: mx.array, bias?: mx.array): mx.array {
  throw new NotImplementedError("linear", ["week_1_day_1_task_2"], "week1-01-attention.md");
}

/**
 * SiLU (swish), x * sigmoid(x): the activation of Qwen2's MLP. Half-precision inputs are
 * computed in float32 and cast back.
 *
 * Week 1, day 4, task 2 (book: week1-04-rmsnorm-and-mlp.md).
 */
export function silu(x: mx.array): mx.array {
  throw new NotImplementedError("silu", ["week_1_day_4_task_2"], "week1-04-rmsnorm-and-mlp.md");
}
