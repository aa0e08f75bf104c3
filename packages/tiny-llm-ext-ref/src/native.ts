// The C++ kernels' N-API entries (native/bindings), loaded on first use and attached
// to the array core.
// Every kernel takes (inputs, outputs, ...its parameters), the arrays as mx.KernelImpl
// hands them (KernelArrays: buffer, first element, dtype code, shape, strides), the
// parameters as plain numbers and booleans (C++ reads a positional argument in a few
// nanoseconds, an object's property in a few hundred); the TypeScript wrapper has
// checked shapes and dtypes and allocated the outputs (mx.runKernel).
import * as mx from "@tiny-llm/array";

export interface ExtAddon {
  /**
   * inputs [x (M x K, float), w (O x K*bits/32 uint32, unit inner stride), scales and
   * biases (O x K/groupSize, one float dtype, unit inner stride)], outputs [y
   * (contiguous M x O, x's dtype)]: y = x @ dequant(w).T, computed in float32, with x
   * quantized to int8 per group when `int8`; with `swiglu` (reference only:
   * quantizedSwiGLU), y is M x O/2, silu(gate) * up of that product's two halves.
   */
  quantizedMatmul(inputs: mx.KernelArray[], outputs: mx.KernelArray[], groupSize: number, bits: number, int8: boolean, swiglu: boolean, portable: boolean): void;
  /**
   * inputs [q (N.. x H_q x L x D), k, v (N.. x H_kv x S x D), and optionally mask
   * (N.. x H_q x L x S, broadcast strides)], any float dtypes and strides; outputs [out
   * (contiguous N.. x H_q x L x D, float)]: softmax(q k^T * scale + mask) v, causal
   * bottom-right aligned when `causal`; a row that sees no key gives zeros; `portable`
   * takes the portable (not SIMD-tiled) path.
   */
  flashAttention(inputs: mx.KernelArray[], outputs: mx.KernelArray[], scale: number, causal: boolean, portable: boolean): void;
  /**
   * Reference only (this package's addon, not the learner's): inputs [qkv (N x L x
   * (H_q + 2 H_kv) x D), bias ((H_q + 2 H_kv) * D) when `hasBias`, cos, sin
   * (contiguous L x D/2)], outputs [q (contiguous N x L x H_q x D), keySlots, valueSlots
   * (N x H_kv x L x D views)], all float32 with a unit stride along D: see ropeIntoCache.
   */
  ropeIntoCache?(inputs: mx.KernelArray[], outputs: mx.KernelArray[], hasBias: boolean, heads: number, kvHeads: number, traditional: boolean): void;
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
