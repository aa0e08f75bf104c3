// RoPE's turn of one head at one position, shared by the array core's fast.rope and the
// kernels that fuse RoPE into other work (tiny-llm-ext-ref's ropeIntoCache).
#pragma once
#include <cstdint>

namespace tl {

// y = x (D = 2 * half floats) with each pair turned by its angle: pairs (i, i + half), or
// (2i, 2i + 1) when traditional, with the angle's cosine c[i] and sine s[i]:
//   y0 = x0 c - x1 s,  y1 = x1 c + x0 s.
// The two layouts are separate loops so that the common one (i, i + half) vectorises.
inline void rope_head(const float *x, const float *c, const float *s, int64_t half, bool traditional, float *y) {
  if (traditional) {
    for (int64_t i = 0; i < half; ++i) {
      const float x0 = x[2 * i], x1 = x[2 * i + 1];
      y[2 * i] = x0 * c[i] - x1 * s[i];
      y[2 * i + 1] = x1 * c[i] + x0 * s[i];
    }
  } else {
    for (int64_t i = 0; i < half; ++i) {
      const float x0 = x[i], x1 = x[i + half];
      y[i] = x0 * c[i] - x1 * s[i];
      y[i + half] = x1 * c[i] + x0 * s[i];
    }
  }
}

}  // namespace tl
