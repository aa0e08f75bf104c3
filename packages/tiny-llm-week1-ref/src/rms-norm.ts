// RMSNorm: scale each vector to unit root-mean-square, then by a learned weight.
import * as mx from "@tiny-llm/array";
import { checkFloatArray, checkPositiveInt, checkShape } from "./checks";

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
  private readonly weightF32: mx.array;

  constructor(
    readonly dim: number,
    readonly weight: mx.array,
    readonly eps = 1e-5,
  ) {
    checkPositiveInt("RMSNorm", "dim", dim);
    checkFloatArray("RMSNorm", "weight", weight, "D", 1);
    checkShape("RMSNorm", "weight", weight, [dim], "D");
    this.weightF32 = weight.astype("float32");
  }

  forward(x: mx.array): mx.array {
    checkFloatArray("RMSNorm.forward", "x", x, "N.. x D", 1);
    checkShape("RMSNorm.forward", "x", x, [...x.shape.slice(0, -1), this.dim], "N.. x D");
    const xf = x.astype("float32");
    const inverseRms = xf.square().mean(-1, true).add(this.eps).rsqrt(); // N.. x 1
    return xf.multiply(inverseRms).multiply(this.weightF32).astype(x.dtype);
  }
}
