// Flash attention (week 2, day 4).
import * as mx from "@tiny-llm/array";

import { ArgumentError, checkArray, checkShape, shapeText } from "./checks";
import { flashAttentionGpu } from "./gpu/flash-attention";
import type { WgslSource } from "./gpu/wgsl-source";
import type { AddonLoader } from "./native";

export interface FlashAttentionOptions {
  /** Multiplies q . k; default 1 / sqrt(D). */
  scale?: number;
  /**
   * "causal": query i of L sits at position S - L + i and sees the keys j <= S - L + i
   * (bottom-right aligned, as week 1's causalMask); or an additive float mask
   * broadcastable to N.. x H_q x L x S (-inf hides a key).
   */
  mask?: "causal" | mx.array;
}

/** What the native flashAttention gets besides its arrays. */
export interface FlashAttentionParams {
  scale: number;
  causal: boolean;
  /**
   * TINY_LLM_KERNELS=portable, read here rather than by the C++ (getenv) so that a change
   * of process.env reaches the kernel also where process.env is not the real environment
   * (jest's sandbox, where the tests switch paths within one run).
   */
  portable: boolean;
  /**
   * Reference only (flashAttentionInt8, GPU): the output also quantized to int8 per group
   * for a product with these weights' group size and bits, as two more outputs.
   */
  quantize?: { groupSize: number; bits: number };
}

/** The custom kernel of a package's flash attention: its addon's on the CPU, its WGSL on the GPU. */
export function flashAttentionKernel(addon: AddonLoader, wgsl: WgslSource): mx.CustomKernel<FlashAttentionParams> {
  return {
    name: "flashAttention",
    implementations: { cpu: (inputs, outputs, p) => addon().flashAttention(inputs, outputs, p.scale, p.causal, p.portable), gpu: flashAttentionGpu(wgsl) },
  };
}

/** Kernels.flashAttention (bind-kernels.ts) on `kernel`: the argument checks, then the kernel call. */
export function flashAttention(kernel: mx.CustomKernel<FlashAttentionParams>, query: mx.array, key: mx.array, value: mx.array, opts: FlashAttentionOptions = {}): mx.array {
  const { inputs, params } = flashAttentionArgs("flashAttention", query, key, value, opts);
  const [out] = mx.runKernel(kernel, inputs, [{ shape: query.shape, dtype: query.dtype }], params);
  return out;
}

/** flashAttention's arguments checked (errors named `fn`): the kernel's inputs (the mask broadcast) and parameters. */
export function flashAttentionArgs(fn: string, query: mx.array, key: mx.array, value: mx.array, opts: FlashAttentionOptions): { inputs: mx.array[]; params: FlashAttentionParams } {
  checkArray(fn, "query", query, "N.. x H_q x L x D", { ndim: 3, atLeast: true });
  const lead = query.shape.slice(0, -3);
  const [Hq, L, D] = query.shape.slice(-3);
  checkArray(fn, "key", key, "N.. x H_kv x S x D", { ndim: query.ndim });
  const [Hkv, S] = key.shape.slice(-3);
  checkShape(fn, "key", key, [...lead, Hkv, S, D], "N.. x H_kv x S x D, with query's N.. and D");
  checkArray(fn, "value", value, "N.. x H_kv x S x D", { ndim: query.ndim });
  checkShape(fn, "value", value, key.shape, "N.. x H_kv x S x D, key's shape");
  if (Hkv === 0 || Hq % Hkv !== 0) {
    throw new ArgumentError(fn, `query has ${Hq} heads and key ${Hkv}; H_q must be a multiple of H_kv (query ${shapeText(query.shape)}, key ${shapeText(key.shape)})`);
  }
  if (opts === null || typeof opts !== "object") throw new ArgumentError(fn, `opts must be { scale?, mask? }, got ${opts === null ? "null" : typeof opts}`);
  const scale = opts.scale ?? (D > 0 ? 1 / Math.sqrt(D) : 1);
  if (typeof scale !== "number" || !Number.isFinite(scale)) throw new ArgumentError(fn, `opts.scale must be a finite number, got ${String(opts.scale)}`);

  const inputs = [query, key, value];
  const mask = opts.mask;
  if (mask !== undefined && mask !== "causal") {
    const target = [...lead, Hq, L, S];
    checkArray(fn, "opts.mask", mask, `"causal" or an additive float mask broadcastable to N.. x H_q x L x S = ${shapeText(target)}`, { ndim: 0, atLeast: true });
    const offset = target.length - mask.ndim;
    if (offset < 0 || mask.shape.some((s, i) => s !== 1 && s !== target[offset + i])) {
      throw new ArgumentError(fn, `opts.mask has shape ${shapeText(mask.shape)}, which does not broadcast to ${shapeText(target)} (N.. x H_q x L x S)`);
    }
    inputs.push(mx.broadcastTo(mask, target)); // a view with zero strides, never a copy
  }
  return { inputs, params: { scale, causal: mask === "causal", portable: process.env.TINY_LLM_KERNELS === "portable" } };
}
