// x as the float kernels (qmm_decode.cc, qmm_batch.cc) read it.
#pragma once
#include <algorithm>

#include "quantized_matmul.h"

namespace tl {
namespace qmm {

// One block of 2L inputs of a row of x (at x) arranged for traits T into out: for 4-bit
// codes the even-indexed inputs first, then the odd ones (matching codes4's low / high
// nibbles); 8-bit codes come in order, so the block is copied as is.
template <typename T>
inline void arrange_step(int bits, const float *x, float *out) {
  constexpr int L = T::L;
  if (bits == 8) {
    std::copy(x, x + 2 * L, out);
    return;
  }
  for (int j = 0; j < L; ++j) {
    out[j] = x[2 * j];
    out[L + j] = x[2 * j + 1];
  }
}

// x's M rows, each arranged step by step, contiguous (M x K).
template <typename T>
void layout_x(const QuantizedMatmulArgs &a, float *xp) {
  for (int64_t m = 0; m < a.M; ++m)
    for (int64_t k = 0; k < a.K; k += 2 * T::L) arrange_step<T>(a.bits, a.x + m * a.ldx + k, xp + m * a.K + k);
}

}  // namespace qmm
}  // namespace tl
