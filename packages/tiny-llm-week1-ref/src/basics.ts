// The small functions every layer is built from: softmax, linear, silu.
import * as mx from "@tiny-llm/array";
import { checkFloatArray, checkShape } from "./checks";

/**
 * Softmax over `axis`: exp(x - max) / sum(exp(x - max)). Subtracting the max keeps exp
 * from overflowing; half-precision inputs are computed in float32 and the result is
 * cast back to the input dtype.
 *
 * Week 1, day 1, task 1 (book: week1-01-attention.md).
 */
export function softmax(x: mx.array, axis: number): mx.array {
  checkFloatArray("softmax", "x", x, "N..", 1);
  const xf = x.astype("float32");
  const e = xf.subtract(xf.max(axis, true)).exp();
  return e.divide(e.sum(axis, true)).astype(x.dtype);
}

/**
 * A linear layer as checkpoints store it: x @ w^T + bias.
 *
 *   x: N.. x I    w: O x I    bias: O    ->  N.. x O
 *
 * Week 1, day 1, task 2 (book: week1-01-attention.md).
 */
export function linear(x: mx.array, w: mx.array, bias?: mx.array): mx.array {
  checkFloatArray("linear", "x", x, "N.. x I", 1);
  checkFloatArray("linear", "w", w, "O x I", 2);
  const inDim = x.shape[x.ndim - 1];
  checkShape("linear", "w", w, [w.shape[0], inDim], "O x I, I from x");
  // w may be stored narrower than x (bfloat16 weights, float32 activations): matmul
  // reads it as it is and the result takes the wider dtype.
  const y = x.matmul(w.swapaxes(0, 1));
  if (bias === undefined) return y;
  checkFloatArray("linear", "bias", bias, "O", 1);
  checkShape("linear", "bias", bias, [w.shape[0]], "O, O from w");
  return y.add(bias);
}

/**
 * SiLU (swish), x * sigmoid(x): the activation of Qwen2's MLP. Half-precision inputs are
 * computed in float32 and cast back.
 *
 * Week 1, day 4, task 2 (book: week1-04-rmsnorm-and-mlp.md).
 */
export function silu(x: mx.array): mx.array {
  checkFloatArray("silu", "x", x, "N..", 0);
  const xf = x.astype("float32");
  return xf.multiply(xf.sigmoid()).astype(x.dtype);
}
