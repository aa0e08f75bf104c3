// @tiny-llm/tiny-llm-ext-ref: the reference kernels of week 2, in C++ (native/src) for
// the CPU and WGSL (wgsl/) for the GPU, added to @tiny-llm/array through its
// custom-kernel API (mx.runKernel).
import * as path from "path";

import { addonFile } from "@tiny-llm/array";

import { bindKernels } from "./bind-kernels";
import { wgslFolder } from "./gpu/wgsl-source";
import { bindQuantizedSwiGLU } from "./quantized-swiglu";

const WGSL_DIR = path.join(__dirname, "..", "wgsl");

export const { quantizedMatmul, flashAttention } = bindKernels(
  addonFile(path.join(__dirname, "..", "native"), "tiny_llm_ext_ref"),
  WGSL_DIR,
  "@tiny-llm/tiny-llm-ext-ref",
);
export type { Activations, QuantizedWeights } from "./quantized-matmul";
export type { FlashAttentionOptions } from "./flash-attention";
export { ArgumentError } from "./checks";
export { f16MatrixUnits } from "./gpu/quantized-matmul";
// Reference only (no learner's task): the GPU model's fused bias + RoPE + KV cache write.
export { ropeIntoCache } from "./rope-into-cache";
export type { RopeIntoCacheOptions } from "./rope-into-cache";
// Reference only: the GPU model's gate/up product and SwiGLU in one launch.
export const quantizedSwiGLU = bindQuantizedSwiGLU(quantizedMatmul, wgslFolder(WGSL_DIR));
export type { QuantizedSwiGLU } from "./quantized-swiglu";
// Reference only: a quantized embedding's lookup on the GPU in three launches.
export { quantizedRows } from "./quantized-rows";
// For the learner's @tiny-llm/tiny-llm-ext, which binds the same TypeScript to its own addon.
export { bindKernels } from "./bind-kernels";
export type { Kernels } from "./bind-kernels";
