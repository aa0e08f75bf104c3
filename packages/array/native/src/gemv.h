// Matrix-vector products for a few rows of A (decoding: M = 1), reading B in its
// own dtype without packing. Memory-bound: the goal is to stream B once at the
// machine's read bandwidth.
#pragma once
#include <cstdint>

#include "tiny-llm/gemm.h"
#include "tiny-llm/simd.h"

namespace tl {

// Largest M that gemv handles.
constexpr int64_t kGemvMaxM = 8;

// True when gemv handles this product: M <= kGemvMaxM and B has a unit stride
// along K (B(k, n) = W[n, k], a transposed row-major weight) or along N (row-major B).
bool gemv_applies(int64_t M, const MatRef &B);

// C (M x N, float32, row stride ldc) = A (M x K) @ B (K x N), K > 0; requires gemv_applies.
void gemv(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, int64_t ldc, bool parallel);

}  // namespace tl
