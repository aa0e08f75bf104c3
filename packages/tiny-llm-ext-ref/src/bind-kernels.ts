// The kernels' TypeScript side, bound to one addon: this package's (the reference
// kernels) or the learner's @tiny-llm/tiny-llm-ext, whose addon is built from the same
// N-API entries (native/bindings) around the learner's own kernel bodies.
import type * as mx from "@tiny-llm/array";

import { flashAttention, flashAttentionKernel, type FlashAttentionOptions } from "./flash-attention";
import { addonLoader } from "./native";
import { quantizedMatmul, quantizedMatmulKernel, type QuantizedWeights } from "./quantized-matmul";

/** The week 2 kernels of one kernel package. */
export interface Kernels {
  /**
   * x @ W.T for a quantized W, without dequantizing W: the packed codes are read as they
   * are. Computed in float32; the result is in x's dtype.
   *
   *   x: N.. x K (float32, float16 or bfloat16)    w: QuantizedWeights of W (O x K)    ->  N.. x O
   *
   * Week 2, day 2, task 1 (book: week2-02-quantized-matmul.md).
   */
  quantizedMatmul(x: mx.array, w: QuantizedWeights): mx.array;

  /**
   * softmax(q k^T * scale + mask) v, computed tile by tile with an online softmax: no
   * L x S matrix is materialised, the causal mask is computed from positions, and the
   * H_q / H_kv query heads of a group read their kv head in place (K and V are never
   * repeated). Inputs may be strided views (a KV cache's buffer sliced to S) of any float
   * dtype; computed in float32, returned in query's dtype. A query row that sees no key
   * gives zeros (as PyTorch >= 2.5), not NaN.
   *
   *   query: N.. x H_q x L x D    key, value: N.. x H_kv x S x D    ->  N.. x H_q x L x D
   *
   * Week 2, day 4, task 1 (book: week2-04-flash-attention.md).
   */
  flashAttention(query: mx.array, key: mx.array, value: mx.array, opts?: FlashAttentionOptions): mx.array;
}

/** The kernels of the addon at `addonFile` (loaded on the first call), named `packageName` in errors. */
export function bindKernels(addonFile: string, packageName: string): Kernels {
  const addon = addonLoader(addonFile, packageName);
  const qmm = quantizedMatmulKernel(addon);
  const attention = flashAttentionKernel(addon);
  return {
    quantizedMatmul: (x, w) => quantizedMatmul(qmm, x, w),
    flashAttention: (query, key, value, opts) => flashAttention(attention, query, key, value, opts),
  };
}
