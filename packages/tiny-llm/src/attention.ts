// Scaled dot-product attention: the plain form (day 1), multi-head attention built on it
// (day 1), and the grouped form Qwen2 uses, with its causal mask (day 3).
import * as mx from "@tiny-llm/array";
import { NotImplementedError } from "./not-implemented";

/** Options of the attention functions. */
export interface AttentionOptions {
  /** Multiplies q·k before the softmax; 1/sqrt(D) when left out. */
  scale?: number;
  /** Added to the scores before the softmax (0 = attend, -inf = hide); broadcast to the scores' shape. */
  mask?: mx.array;
}

/**
 * softmax(Q K^T * scale + mask) V, for any number of batch dims N.. (none included).
 *
 *   query: N.. x L x D    key, value: N.. x S x D    mask: broadcastable to N.. x L x S
 *   -> N.. x L x D
 *
 * Week 1, day 1, task 1 (book: week1-01-attention.md).
 */
export function scaledDotProductAttentionSimple(
  query: mx.array,
  key: mx.array,
  value: mx.array,
  opts: AttentionOptions = {},
): mx.array {
  throw new NotImplementedError("scaledDotProductAttentionSimple", ["week_1_day_1_task_1"], "week1-01-attention.md");
}

/**
 * Multi-head attention with the projections of a checkpoint (no biases): project
 * E -> H x D for queries, keys and values, attend per head, merge the heads, project back.
 *
 *   query: N x L x E    key, value: N x S x E    mask: broadcastable to N x H x L x S
 *   wq, wk, wv: (H x D) x E    wo: E x (H x D)    -> N x L x E
 *
 * Week 1, day 1, task 2 (book: week1-01-attention.md).
 */
export class SimpleMultiHeadAttention {
  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    readonly wq: mx.array,
    readonly wk: mx.array,
    readonly wv: mx.array,
    readonly wo: mx.array,
  ) {}

  forward(query: mx.array, key: mx.array, value: mx.array, mask?: mx.array): mx.array {
    throw new NotImplementedError("SimpleMultiHeadAttention.forward", ["week_1_day_1_task_2"], "week1-01-attention.md");
  }
}

/** Options of the grouped attention: the mask may also be "causal". */
export interface GroupedAttentionOptions {
  /** Multiplies q·k before the softmax; 1/sqrt(D) when left out. */
  scale?: number;
  /** An additive mask broadcastable to N.. x H_q x L x S, or "causal" for causalMask(L, S). */
  mask?: mx.array | "causal";
}

/**
 * The causal mask of L queries over S keys (L <= S): the queries are the last L of the S
 * positions, so query i (position S - L + i) sees keys 0 .. S - L + i.
 *
 *   -> L x S: 0 where visible, -inf where hidden
 *
 * Week 1, day 3, task 2 (book: week1-03-gqa.md).
 */
export function causalMask(L: number, S: number, dtype: mx.Dtype): mx.array {
  throw new NotImplementedError("causalMask", ["week_1_day_3_task_2"], "week1-03-gqa.md");
}

/**
 * Attention where H_q query heads share H_kv key/value heads (H_q a multiple of H_kv):
 * each group of n_rep = H_q / H_kv query heads attends to one key/value head. The
 * grouping is a reshape that broadcasting expands, so K and V are never copied.
 *
 *   query: N.. x H_q x L x D    key, value: N.. x H_kv x S x D
 *   mask: broadcastable to N.. x H_q x L x S, or "causal"    -> N.. x H_q x L x D
 *
 * Week 1, day 3, task 1 (book: week1-03-gqa.md).
 */
export function scaledDotProductAttentionGrouped(
  query: mx.array,
  key: mx.array,
  value: mx.array,
  opts: GroupedAttentionOptions = {},
): mx.array {
  throw new NotImplementedError("scaledDotProductAttentionGrouped", ["week_1_day_3_task_1", "week_1_day_3_task_2"], "week1-03-gqa.md");
}
