// The two quantized matmul kernels behind quantized_matmul (quantized_matmul_kernel.cc).
#pragma once
#include "quantized_matmul.h"

namespace tl {

// Most rows of x that qmm_decode handles; more go to qmm_prefill.
constexpr int64_t kDecodeMaxM = 4;

// How far ahead of its reads the decode kernels prefetch each row's codes: the hardware
// prefetchers alone leave one core well short of the read bandwidth.
constexpr int64_t kDecodePrefetchBytes = 2048;

// Few rows (decoding): streams the packed weights once, threads splitting the output
// features. Memory-bound: the goal is the machine's read bandwidth.
void qmm_decode(const QuantizedMatmulArgs &a);

// Many rows (prefill): the array core's GEMM, with B panels dequantized on the fly
// into its cache-resident packing buffer. Compute-bound. Needs K > 0.
void qmm_prefill(const QuantizedMatmulArgs &a);

}  // namespace tl
