// The kernels' TypeScript side, bound to one package's kernels: this package's (the
// reference kernels) or the learner's @tiny-llm/tiny-llm-ext, whose addon is built from
// the same N-API entries (native/bindings) around the learner's own kernel bodies, and
// whose WGSL files are read from its own wgsl/ folder.
import type * as mx from "@tiny-llm/array";

import { flashAttention, flashAttentionKernel, type FlashAttentionOptions } from "./flash-attention";
import { type WgslSource, wgslFolder } from "./gpu/wgsl-source";
import { type AddonLoader, addonLoader } from "./native";
import { quantizedMatmul, quantizedMatmulKernel, type QuantizedWeights } from "./quantized-matmul";

/** The week 2 kernels of one kernel package. */
export interface Kernels {
  /**
   * x @ W.T for a quantized W, without dequantizing W: the packed codes are read as they
   * are. Computed in float32; the result is in x's dtype.
   *
   *   x: N.. x K (float32, float16 or bfloat16)    w: QuantizedWeights of W (O x K)    ->  N.. x O
   *
   * Week 2, day 2, task 1 (book: week2-02-quantized-matmul.md); on the GPU, week 2, day 3,
   * tasks 1 and 2 (book: week2-03-quantized-matmul-gpu.md).
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
   * Week 2, day 4, task 1 (book: week2-04-flash-attention.md); on the GPU, week 2, day 5,
   * tasks 1 and 2 (book: week2-05-flash-attention-gpu.md).
   */
  flashAttention(query: mx.array, key: mx.array, value: mx.array, opts?: FlashAttentionOptions): mx.array;
}

/**
 * The kernels of one package: on the CPU its addon at `addonFile` (loaded on the first
 * call), on the GPU the .wgsl files of folder `wgslDir`; named `packageName` in errors.
 */
export function bindKernels(addonFile: string, wgslDir: string, packageName: string): Kernels {
  return kernelsOf(addonLoader(addonFile, packageName), wgslFolder(wgslDir));
}

/** The kernels over an addon's loader and a folder's WGSL (this package binds its reference-only kernels to the same addon). */
export function kernelsOf(addon: AddonLoader, wgsl: WgslSource): Kernels {
  const qmm = quantizedMatmulKernel(addon, wgsl);
  const attention = flashAttentionKernel(addon, wgsl);
  return {
    quantizedMatmul: (x, w) => quantizedMatmul(qmm, x, w),
    flashAttention: (query, key, value, opts) => flashAttention(attention, query, key, value, opts),
  };
}
