// The C++ kernels' N-API entries (native/bindings), loaded on first use and attached
// to the array core.
// Every kernel is an mx.KernelImpl: (inputs, outputs, params), each array a
// KernelArray (buffer, first element, dtype code, shape, strides); the TypeScript
// wrapper has checked shapes and dtypes and allocated the outputs (mx.runKernel).
import * as mx from "@tiny-llm/array";

import type { FlashAttentionParams } from "./flash-attention";
import type { QuantizedMatmulParams } from "./quantized-matmul";
import type { RopeIntoCacheParams } from "./rope-into-cache";

export interface ExtAddon {
  /**
   * inputs [x (M x K, float), w (O x K*bits/32 uint32, unit inner stride), scales and
   * biases (O x K/groupSize, one float dtype, unit inner stride)], outputs [y
   * (contiguous M x O, x's dtype)]: y = x @ dequant(w).T, computed in float32; with
   * params.swiglu (reference only: quantizedSwiGLU), y is M x O/2, silu(gate) * up of
   * that product's two halves.
   */
  quantizedMatmul: mx.KernelImpl<QuantizedMatmulParams>;
  /**
   * inputs [q (N.. x H_q x L x D), k, v (N.. x H_kv x S x D), and optionally mask
   * (N.. x H_q x L x S, broadcast strides)], any float dtypes and strides; outputs [out
   * (contiguous N.. x H_q x L x D, float)]: softmax(q k^T * scale + mask) v, causal
   * bottom-right aligned when params.causal; a row that sees no key gives zeros;
   * params.portable takes the portable (not SIMD-tiled) path.
   */
  flashAttention: mx.KernelImpl<FlashAttentionParams>;
  /**
   * Reference only (this package's addon, not the learner's): inputs [qkv (N x L x
   * (H_q + 2 H_kv) x D), bias ((H_q + 2 H_kv) * D) when params.hasBias, cos, sin
   * (contiguous L x D/2)], outputs [q (contiguous N x L x H_q x D), keySlots, valueSlots
   * (N x H_kv x L x D views)], all float32 with a unit stride along D: see ropeIntoCache.
   */
  ropeIntoCache?: mx.KernelImpl<RopeIntoCacheParams>;
}

/** The addon of one kernel package, loaded on its first call. */
export type AddonLoader = () => ExtAddon;

/**
 * A loader of the addon at `file` (a build of native/bindings with some package's kernel
 * bodies): it loads on first use, so that a build failure surfaces at the first kernel
 * call, not at import.
 */
export function addonLoader(file: string, packageName: string): AddonLoader {
  let loaded: ExtAddon | undefined;
  return () => (loaded ??= mx.loadNativeExtension<ExtAddon>(file, packageName));
}
