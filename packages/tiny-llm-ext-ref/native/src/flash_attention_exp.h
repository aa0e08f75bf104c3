// e^x for the online softmax, where x = score - running max is never positive: the
// array core's polynomial (tiny-llm/vmath.h, within ~2 ulp) with a single power of two,
// branch-free so that the compiler vectorises row loops. Below -87 (and for -inf, a
// masked key) it gives exactly 0, so masked keys add nothing to a row's sum; NaN stays NaN.
#pragma once
#include <cmath>
#include <cstdint>

#include "tiny-llm/dtype.h"
#include "tiny-llm/vmath.h"

namespace tl::flash {

inline float exp_nonpositive(float x) {
  float fn;
  const float p = exp_reduced(x == x && x > -87.0f ? x : 0.0f, fn);  // keeps the integer conversion defined
  const float res = p * bits_to_f32(uint32_t(int32_t(fn) + 127) << 23);  // n in [-126, 0]: a normal 2^n
  return x == x ? (x > -87.0f ? res : 0.0f) : x;
}

}  // namespace tl::flash
