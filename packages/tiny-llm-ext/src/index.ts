// @tiny-llm/tiny-llm-ext: your kernels of week 2, in C++ (native/src), added to
// @tiny-llm/array through its custom-kernel API (mx.runKernel). Edit the C++ and run
// `pnpm test -k week_2_day_2`: the test command rebuilds what changed first.
export { quantizedMatmul } from "./quantized-matmul";
export type { QuantizedWeights } from "./quantized-matmul";
export { ArgumentError } from "./checks";
export { flashAttention } from "./flash-attention";
export type { FlashAttentionOptions } from "./flash-attention";
