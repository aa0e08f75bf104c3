// Attention's output quantized for o_proj in the same launches (GPU): with int8 activations
// the product after attention otherwise launches quantize_activations.wgsl first. A split
// decode step (L = 1, more than SPLIT_MIN_KEYS keys) ends in flash_attention_combine.wgsl,
// whose workgroup holds one query head's D outputs: whole groups of o_proj's input row,
// where the heads sit side by side. So the combine quantizes them too (the prelude's
// quantize_dims), one launch a layer fewer. Reference only: the learner's model and the
// CPU take flashAttention, then the product with int8 activations.
import * as mx from "@tiny-llm/array";

import { ArgumentError } from "./checks";
import { flashAttentionArgs, type FlashAttentionOptions, type FlashAttentionParams } from "./flash-attention";
import { splitsKeys } from "./gpu/flash-attention";
import { checkInt8Weights, type Int8Activations, type QuantizedWeights } from "./quantized-matmul";

/**
 * flashAttention(query, key, value, opts), and, where the GPU's combine runs (a float32
 * decode step on the GPU split over more than SPLIT_MIN_KEYS keys, D a multiple of w's
 * group size), its output as o_proj reads it (N.. x L x H_q * D) quantized to int8 for the
 * product with `w`, whose activations must be "int8"; elsewhere `quantized` is undefined
 * and the product quantizes the output itself.
 *
 *   query: N.. x H_q x L x D    key, value: N.. x H_kv x S x D    ->  out: N.. x H_q x L x D, quantized?
 */
export function flashAttentionInt8(
  kernel: mx.CustomKernel<FlashAttentionParams>,
  query: mx.array,
  key: mx.array,
  value: mx.array,
  opts: FlashAttentionOptions,
  w: QuantizedWeights,
): { out: mx.array; quantized?: Int8Activations } {
  const fn = "flashAttentionInt8";
  const { inputs, params } = flashAttentionArgs(fn, query, key, value, opts);
  const { K } = checkInt8Weights(fn, w, "the combine");
  const lead = query.shape.slice(0, -3);
  const [Hq, L, D] = query.shape.slice(-3);
  if (K !== Hq * D) throw new ArgumentError(fn, `w holds ${K} inputs per row, but attention gives H_q * D = ${Hq} * ${D} = ${Hq * D}`);
  const S = key.shape[key.ndim - 2];
  const combined = query.device === "gpu" && query.dtype === "float32" && splitsKeys(L, S) && D % w.groupSize === 0;
  if (!combined) return { out: mx.runKernel(kernel, inputs, [{ shape: query.shape, dtype: query.dtype }], params)[0] };
  const M = lead.reduce((a, b) => a * b, 1) * L;
  const [out, xq, xs] = mx.runKernel(
    kernel,
    inputs,
    [{ shape: query.shape, dtype: query.dtype }, { shape: [M, K / 4], dtype: "uint32" }, { shape: [M, K / w.groupSize, 2], dtype: "float32" }],
    { ...params, quantize: { groupSize: w.groupSize, bits: w.bits } },
  );
  return { out, quantized: { xq, xs, shape: [...lead, L, K], groupSize: w.groupSize, bits: w.bits } };
}
