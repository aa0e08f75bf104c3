// Scaled dot-product attention: the plain form (day 1), multi-head attention built on it
// (day 1), and the grouped form Qwen2 uses, with its causal mask (day 3).
import * as mx from "@tiny-llm/array";
import { linear, softmax } from "./basics";
import {
  ArgumentError, checkBroadcastable, checkFloatArray, checkPositiveInt, checkSameDtype, checkShape,
} from "./checks";

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
  const fn = "scaledDotProductAttentionSimple";
  checkFloatArray(fn, "query", query, "N.. x L x D", 2);
  checkFloatArray(fn, "key", key, "N.. x S x D", 2);
  checkFloatArray(fn, "value", value, "N.. x S x D", 2);
  const [L, D] = query.shape.slice(-2);
  const batch = query.shape.slice(0, -2);
  const S = key.shape[key.ndim - 2];
  checkShape(fn, "key", key, [...batch, S, D], "N.. x S x D, N.. and D from query");
  checkShape(fn, "value", value, key.shape, "N.. x S x D, the shape of key");
  checkSameDtype(fn, "key", key, "query", query);
  checkSameDtype(fn, "value", value, "query", query);

  let scores = query.matmul(key.swapaxes(-2, -1)).multiply(opts.scale ?? 1 / Math.sqrt(D)); // N.. x L x S
  if (opts.mask !== undefined) {
    checkFloatArray(fn, "mask", opts.mask, "N.. x L x S", 0);
    checkBroadcastable(fn, "mask", opts.mask, [...batch, L, S], "N.. x L x S");
    scores = scores.add(opts.mask.astype(scores.dtype));
  }
  return softmax(scores, -1).matmul(value);
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
  /** D = E / H. */
  readonly headDim: number;

  constructor(
    readonly hiddenSize: number,
    readonly numHeads: number,
    readonly wq: mx.array,
    readonly wk: mx.array,
    readonly wv: mx.array,
    readonly wo: mx.array,
  ) {
    const fn = "SimpleMultiHeadAttention";
    checkPositiveInt(fn, "hiddenSize", hiddenSize);
    checkPositiveInt(fn, "numHeads", numHeads);
    if (hiddenSize % numHeads !== 0) {
      throw new ArgumentError(fn, `hiddenSize ${hiddenSize} is not a multiple of numHeads ${numHeads}`);
    }
    this.headDim = hiddenSize / numHeads;
    for (const [name, w] of [["wq", wq], ["wk", wk], ["wv", wv]] as const) {
      checkFloatArray(fn, name, w, "(H x D) x E", 2);
      checkShape(fn, name, w, [hiddenSize, hiddenSize], "(H x D) x E");
    }
    checkFloatArray(fn, "wo", wo, "E x (H x D)", 2);
    checkShape(fn, "wo", wo, [hiddenSize, hiddenSize], "E x (H x D)");
  }

  forward(query: mx.array, key: mx.array, value: mx.array, mask?: mx.array): mx.array {
    const fn = "SimpleMultiHeadAttention.forward";
    const E = this.hiddenSize;
    checkFloatArray(fn, "query", query, "N x L x E", 3);
    const [N, L] = query.shape;
    checkShape(fn, "query", query, [N, L, E], "N x L x E");
    checkFloatArray(fn, "key", key, "N x S x E", 3);
    checkShape(fn, "key", key, [N, key.shape[1], E], "N x S x E, N from query");
    checkFloatArray(fn, "value", value, "N x S x E", 3);
    checkShape(fn, "value", value, key.shape, "N x S x E, the shape of key");

    const H = this.numHeads;
    const D = this.headDim;
    // N x L x E -> N x L x H x D -> N x H x L x D
    const heads = (x: mx.array, w: mx.array) => linear(x, w).reshape(N, x.shape[1], H, D).swapaxes(1, 2);
    const out = scaledDotProductAttentionSimple(heads(query, this.wq), heads(key, this.wk), heads(value, this.wv), { mask });
    // N x H x L x D -> N x L x H x D -> N x L x (H x D)
    return linear(out.swapaxes(1, 2).reshape(N, L, H * D), this.wo);
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
  checkPositiveInt("causalMask", "L", L);
  checkPositiveInt("causalMask", "S", S);
  if (L > S) throw new ArgumentError("causalMask", `L = ${L} queries over S = ${S} keys; expected L <= S`);
  const visible = mx.tril(mx.ones([L, S], "float32"), S - L).greater(0);
  return mx.where(visible, 0, -Infinity).astype(dtype);
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
  const fn = "scaledDotProductAttentionGrouped";
  checkFloatArray(fn, "query", query, "N.. x H_q x L x D", 3);
  checkFloatArray(fn, "key", key, "N.. x H_kv x S x D", 3);
  checkFloatArray(fn, "value", value, "N.. x H_kv x S x D", 3);
  const [Hq, L, D] = query.shape.slice(-3);
  const batch = query.shape.slice(0, -3);
  const [Hkv, S] = key.shape.slice(-3, -1);
  checkShape(fn, "key", key, [...batch, Hkv, S, D], "N.. x H_kv x S x D, N.. and D from query");
  checkShape(fn, "value", value, key.shape, "N.. x H_kv x S x D, the shape of key");
  checkSameDtype(fn, "key", key, "query", query);
  checkSameDtype(fn, "value", value, "query", query);
  if (Hq % Hkv !== 0) throw new ArgumentError(fn, `query has H_q = ${Hq} heads, not a multiple of the H_kv = ${Hkv} heads of key`);
  const nRep = Hq / Hkv;

  const q = query.reshape([...batch, Hkv, nRep, L, D]);
  const k = key.expandDims(-3); // N.. x H_kv x 1 x S x D
  const v = value.expandDims(-3);
  let scores = q.matmul(k.swapaxes(-2, -1)).multiply(opts.scale ?? 1 / Math.sqrt(D)); // N.. x H_kv x n_rep x L x S
  const mask = opts.mask === "causal" ? causalMask(L, S, scores.dtype) : opts.mask;
  if (mask !== undefined) {
    checkFloatArray(fn, "mask", mask, "N.. x H_q x L x S", 0);
    const full = [...batch, Hq, L, S];
    checkBroadcastable(fn, "mask", mask, full, "N.. x H_q x L x S");
    // Split H_q into H_kv x n_rep like the query (a mask without a head dim just broadcasts).
    const grouped = mask.ndim >= 3 ? mask.broadcastTo(full).reshape([...batch, Hkv, nRep, L, S]) : mask;
    scores = scores.add(grouped.astype(scores.dtype));
  }
  return softmax(scores, -1).matmul(v).reshape([...batch, Hq, L, D]);
}
