// Qwen2's feed-forward block: a SiLU-gated linear unit (SwiGLU).
import * as mx from "@tiny-llm/array";
import { linear, silu } from "./basics";
import { checkFloatArray, checkPositiveInt, checkShape } from "./checks";

/**
 * down(silu(gate(x)) * up(x)): the gate decides, per hidden unit, how much of up(x)
 * passes. E is the model's hidden size, I the MLP's intermediate size.
 *
 *   x: N.. x L x E    wGate, wUp: I x E    wDown: E x I    ->  N.. x L x E
 *
 * Week 1, day 4, task 2 (book: week1-04-rmsnorm-and-mlp.md).
 */
export class Qwen2MLP {
  constructor(
    readonly dim: number,
    readonly hiddenDim: number,
    readonly wGate: mx.array,
    readonly wUp: mx.array,
    readonly wDown: mx.array,
  ) {
    const fn = "Qwen2MLP";
    checkPositiveInt(fn, "dim", dim);
    checkPositiveInt(fn, "hiddenDim", hiddenDim);
    checkFloatArray(fn, "wGate", wGate, "I x E", 2);
    checkShape(fn, "wGate", wGate, [hiddenDim, dim], "I x E");
    checkFloatArray(fn, "wUp", wUp, "I x E", 2);
    checkShape(fn, "wUp", wUp, [hiddenDim, dim], "I x E");
    checkFloatArray(fn, "wDown", wDown, "E x I", 2);
    checkShape(fn, "wDown", wDown, [dim, hiddenDim], "E x I");
  }

  forward(x: mx.array): mx.array {
    checkFloatArray("Qwen2MLP.forward", "x", x, "N.. x L x E", 1);
    checkShape("Qwen2MLP.forward", "x", x, [...x.shape.slice(0, -1), this.dim], "N.. x L x E");
    return linear(silu(linear(x, this.wGate)).multiply(linear(x, this.wUp)), this.wDown);
  }
}
