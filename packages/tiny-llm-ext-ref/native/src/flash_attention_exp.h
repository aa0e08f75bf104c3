// e^x for the online softmax, where x = score - running max is never positive: a
// branch-free Cephes-style polynomial (as the array core's exp_f, within ~2 ulp) that
// the compiler vectorises in row loops. Below -87 (and for -inf, a masked key) it gives
// exactly 0, so masked keys add nothing to a row's sum; NaN stays NaN.
#pragma once
#include <cmath>
#include <cstdint>

#include "tiny-llm/dtype.h"

namespace tl::flash {

inline float exp_nonpositive(float x) {
  const float xc = x == x && x > -87.0f ? x : 0.0f;  // keeps the integer conversion defined
  const float fn = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - fn * 0.693359375f;  // x - n ln2 in two steps (Cody-Waite)
  r = r + fn * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float res = p * bits_to_f32(uint32_t(int32_t(fn) + 127) << 23);  // n in [-126, 0]: a normal 2^n
  return x == x ? (x > -87.0f ? res : 0.0f) : x;
}

}  // namespace tl::flash
