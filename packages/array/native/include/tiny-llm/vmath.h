// Branch-free float32 exp / tanh / sigmoid that the compiler vectorises in row loops
// (libm's expf is scalar without -ffast-math). Cephes-style polynomials: exp is
// within ~2 ulp over the whole range, with gradual underflow, overflow to inf and
// NaN propagation.
#pragma once
#include <cmath>
#include <cstdint>

#include "tiny-llm/dtype.h"

namespace tl {

// e^r with r = x - n ln2, for n = round(x / ln2) given as fn (so |r| <= ln2 / 2): a
// polynomial. T is float, or a GCC vector of floats (the same arithmetic per lane).
template <class T>
inline T exp_of_remainder(T x, T fn) {
  T r = x - fn * 0.693359375f;  // x - n ln2 in two steps (Cody-Waite)
  r = r + fn * 2.12194440e-4f;
  T p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * r * r + r + 1.0f;
}

// e^x = 2^n * e^r with n = round(x / ln2) and |r| <= ln2 / 2: returns e^r (a
// polynomial) and sets fn = n. x must be finite.
inline float exp_reduced(float x, float &fn) {
  fn = std::floor(x * 1.44269504088896341f + 0.5f);
  return exp_of_remainder(x, fn);
}

inline float exp_f(float x) {
  float xc = x == x ? x : 0.0f;  // keep the integer conversion below defined
  xc = xc < -104.0f ? -104.0f : xc;
  xc = xc > 89.0f ? 89.0f : xc;
  float fn;
  const float p = exp_reduced(xc, fn);
  // 2^n as two factors so that n in [-150, 128] never leaves the normal range.
  const int32_t n = int32_t(fn);
  const int32_t n1 = n / 2, n2 = n - n1;
  const float s1 = bits_to_f32(uint32_t(n1 + 127) << 23), s2 = bits_to_f32(uint32_t(n2 + 127) << 23);
  const float res = p * s1 * s2;
  return x == x ? res : x;
}

inline float tanh_f(float x) {
  const float a = std::fabs(x);
  const float z = x * x;  // small |x|: odd polynomial (Cephes tanhf)
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big = 1.0f - 2.0f / (exp_f(2.0f * a) + 1.0f);
  return a < 0.625f ? small : std::copysign(big, x);
}

// 1 / (1 + e^-x): 0 for x -> -inf, 1 for x -> +inf, no overflow trouble.
inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

// x * sigmoid(x) (SiLU); below -88 it gives -0, and so -inf gives -0 rather than -inf * 0.
inline float silu_f(float x) {
  const float r = x * sigmoid_f(x);
  return x < -88.0f ? -0.0f : r;
}

}  // namespace tl
