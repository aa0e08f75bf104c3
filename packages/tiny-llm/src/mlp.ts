// Qwen2's feed-forward block: a SiLU-gated linear unit (SwiGLU).
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

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
  ) {}

  forward(x: mx.array): mx.array {
    throw new NotImplementedError("Qwen2MLP.forward", ["week_1_day_4_task_2"], "week1-04-rmsnorm-and-mlp.md");
  }
}
