// @tiny-llm/tiny-llm-ext: your kernels of week 2. You write the C++ kernel bodies in
// native/src (quantized_matmul_kernel.cc, flash_attention.cc) and the WGSL kernels in
// wgsl/ (the GPU's, days 3 and 5); the N-API entries and the TypeScript wrappers that
// check arguments and call them come from the reference's package (native/bindings,
// src/bind-kernels.ts there), built here around your code. Edit the C++ and run
// `pnpm test -k week_2_day_2`: the test command rebuilds it first; the WGSL is read as
// it is when a kernel first runs.
import * as path from "path";

import { addonFile } from "@tiny-llm/array";

import { bindKernels } from "@tiny-llm/tiny-llm-ext-ref";

export const { quantizedMatmul, flashAttention } = bindKernels(
  addonFile(path.join(__dirname, "..", "native"), "tiny_llm_ext"),
  path.join(__dirname, "..", "wgsl"),
  "@tiny-llm/tiny-llm-ext",
);
export type { Activations, QuantizedWeights, FlashAttentionOptions } from "@tiny-llm/tiny-llm-ext-ref";
export { ArgumentError, f16MatrixUnits } from "@tiny-llm/tiny-llm-ext-ref";
