// @tiny-llm/tiny-llm-ext-ref: the reference kernels of week 2, in C++ (native/src) for
// the CPU and WGSL (wgsl/) for the GPU, added to @tiny-llm/array through its
// custom-kernel API (mx.runKernel).
import * as path from "path";

import type * as mx from "@tiny-llm/array";
import { addonFile } from "@tiny-llm/array";

import { kernelsOf } from "./bind-kernels";
import { flashAttentionInt8 as flashAttentionInt8On } from "./flash-attention-int8";
import { flashAttentionGpu } from "./gpu/flash-attention";
import { quantizedMatmulGpu } from "./gpu/quantized-matmul";
import { wgslFolder } from "./gpu/wgsl-source";
import type { FlashAttentionOptions, FlashAttentionParams } from "./flash-attention";
import { bindInt8Matmul } from "./int8-matmul";
import { addonLoader } from "./native";
import { quantizedMatmulCpu, type QuantizedWeights } from "./quantized-matmul";
import { bindQuantizedQkvRope } from "./quantized-qkv-rope";
import { bindQuantizedSwiGLU } from "./quantized-swiglu";
import { bindRopeIntoCache } from "./rope-into-cache";

const WGSL_DIR = path.join(__dirname, "..", "wgsl");

const addon = addonLoader(addonFile(path.join(__dirname, "..", "native"), "tiny_llm_ext_ref"), "@tiny-llm/tiny-llm-ext-ref");
export const { quantizedMatmul, flashAttention } = kernelsOf(addon, wgslFolder(WGSL_DIR));
export type { Activations, QuantizedWeights } from "./quantized-matmul";
export type { FlashAttentionOptions } from "./flash-attention";
export { ArgumentError } from "./checks";
export { f16MatrixUnits } from "./gpu/quantized-matmul";
// Reference only (no learner's task): the model's fused bias + RoPE + KV cache write.
export const ropeIntoCache = bindRopeIntoCache(addon);
export type { RopeIntoCache, RopeIntoCacheOptions } from "./rope-into-cache";
// Reference only: the norm before an int8 product and x's quantization in one launch, and
// the products that take x so quantized.
export { addRmsNormInt8 } from "./add-rms-norm-int8";
export type { Int8Activations } from "./quantized-matmul";
/** The GPU side of the reference-only products below (int8Matmul, quantizedSwiGLU, quantizedQkvRope): one instance, one cache of launches. */
const referenceProductsGpu = quantizedMatmulGpu(wgslFolder(WGSL_DIR));
export const int8Matmul = bindInt8Matmul(referenceProductsGpu);
export type { Int8Matmul } from "./int8-matmul";
// Reference only: attention's output quantized for o_proj in the combine's launch.
const referenceAttention: mx.CustomKernel<FlashAttentionParams> = { name: "flashAttentionInt8", implementations: { gpu: flashAttentionGpu(wgslFolder(WGSL_DIR)) } };
export const flashAttentionInt8 = (query: mx.array, key: mx.array, value: mx.array, opts: FlashAttentionOptions, w: QuantizedWeights) =>
  flashAttentionInt8On(referenceAttention, query, key, value, opts, w);
// Reference only: the model's gate/up product and SwiGLU in one kernel call.
export const quantizedSwiGLU = bindQuantizedSwiGLU(quantizedMatmul, int8Matmul, { cpu: quantizedMatmulCpu(addon), gpu: referenceProductsGpu });
export type { QuantizedSwiGLU } from "./quantized-swiglu";
// Reference only: the model's q/k/v product and ropeIntoCache, on the GPU in one launch.
export const quantizedQkvRope = bindQuantizedQkvRope(quantizedMatmul, int8Matmul, ropeIntoCache, referenceProductsGpu);
export type { QuantizedQkvRope } from "./quantized-qkv-rope";
// Reference only: a quantized embedding's lookup on the GPU in three launches.
export { quantizedRows } from "./quantized-rows";
// For the learner's @tiny-llm/tiny-llm-ext, which binds the same TypeScript to its own addon.
export { bindKernels } from "./bind-kernels";
export type { ExtAddon } from "./native";
export type { Kernels } from "./bind-kernels";
