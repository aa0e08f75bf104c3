// @tiny-llm/tiny-llm-ext-ref: the reference kernels of week 2, in C++ (native/src),
// added to @tiny-llm/array through its custom-kernel API (mx.runKernel).
export { quantizedMatmul } from "./quantized-matmul";
export type { QuantizedWeights } from "./quantized-matmul";
export { ArgumentError } from "./checks";
export { flashAttention } from "./flash-attention";
export type { FlashAttentionOptions } from "./flash-attention";
