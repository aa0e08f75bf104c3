// Rotary positional encoding (RoPE): each pair of a head's dims is rotated by an angle
// that grows with the token's position, so q·k depends on the distance between tokens.
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/**
 * RoPE over `dims` = D head dims for positions 0 .. seqLen-1, frequencies
 * theta_i = base^(-2i/D) for i < D/2. `traditional` rotates interleaved pairs
 * (x[2i], x[2i+1]), as the RoFormer paper writes it; otherwise the pairs are
 * (x[i], x[i + D/2]), the half-split form Qwen2 uses.
 *
 *   x: N.. x L x H x D  ->  N.. x L x H x D
 *
 * Week 1, day 2, tasks 1 (traditional) and 2 (half-split) (book: week1-02-positional-encodings.md).
 */
export class RoPE {
  constructor(
    readonly dims: number,
    readonly seqLen: number,
    readonly base = 10000,
    readonly traditional = false,
  ) {}

  /** Encodes the L tokens of `x` as positions offset .. offset + L - 1. */
  forward(x: mx.array, offset = 0): mx.array {
    throw new NotImplementedError("RoPE.forward", ["week_1_day_2_task_1", "week_1_day_2_task_2"], "week1-02-positional-encodings.md");
  }
}
