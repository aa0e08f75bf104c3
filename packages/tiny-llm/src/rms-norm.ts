// RMSNorm: scale each vector to unit root-mean-square, then by a learned weight.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/**
 * y = x / sqrt(mean(x^2) + eps) * weight over the last dim. The mean of squares is
 * accumulated in float32 whatever the input dtype (in bfloat16 it would lose most of its
 * bits over thousands of dims); the result has the input's dtype.
 *
 *   x: N.. x D    weight: D    ->  N.. x D
 *
 * Week 1, day 4, task 1 (book: week1-04-rmsnorm-and-mlp.md).
 */
export class RMSNorm {
  constructor(
    readonly dim: number,
    readonly weight: mx.array,
    readonly eps = 1e-5,
  ) {}

  forward(x: mx.array): mx.array {
    throw new NotImplementedError("RMSNorm.forward", ["week_1_day_4_task_1"], "week1-04-rmsnorm-and-mlp.md");
  }
}
