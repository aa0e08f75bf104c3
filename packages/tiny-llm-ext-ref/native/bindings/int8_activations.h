// Int8 activations, as llama.cpp pairs its 4-bit weights with 8-bit activations (Q8_0):
// each group of group_size inputs of a row of x is scaled to integers in [-127, 127],
//
//   sx = max |x| / 127    X = round(x / sx) (half to even)    x̂ = sx * X    (sx = 0: X = 0)
//
// and the matmul then computes x̂ @ W.T. Every step is one float32 operation, so PyTorch
// reproduces X bit for bit (tests/golden/week2/make_week2_goldens.py, day 2's int8 cases).
#pragma once
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tiny-llm/simd.h"
#include "tiny-llm/thread_pool.h"

namespace tl {

struct Int8Activations {
  std::vector<float> xhat;     // M x K, the round trip sx * X
  std::vector<int8_t> codes;   // M x K, X
  std::vector<float> scales;   // M x K/group, sx
  // False when x holds an inf or a NaN: a group holding one keeps x as it is (so that the
  // product is inf or NaN, as without int8 activations), and the codes are not valid.
  bool finite = true;
};

namespace int8_activations {

typedef int32_t v8si __attribute__((vector_size(32)));
typedef int8_t v8qi __attribute__((vector_size(8)));

// A group's max |x| (NaNs skipped, as std::max skips them), and whether it holds a NaN.
inline float group_amax(const float *xg, int64_t group, bool &nan) {
  simd::v8sf vmax = {};
  simd::v8su isnan = {};
  for (int64_t i = 0; i < group; i += 8) {
    const simd::v8sf v = simd::loadu(xg + i);
    const simd::v8su a = (simd::v8su)v & 0x7fffffffu, larger = (simd::v8su)(vmax < (simd::v8sf)a);
    vmax = (simd::v8sf)((larger & a) | (~larger & (simd::v8su)vmax));  // lane-wise std::max, without ?: (clang)
    isnan |= (simd::v8su)(v != v);
  }
  float amax = 0.0f;
  nan = false;
  for (int i = 0; i < 8; ++i) amax = std::max(amax, vmax[i]), nan = nan || isnan[i] != 0;
  return amax;
}

// One group of x into X, x̂ and its sx; false where it holds an inf or a NaN (then x̂ = x).
inline bool quantize_group(const float *xg, int64_t group, float *xhat, int8_t *codes, float &sx) {
  bool nan;
  const float amax = group_amax(xg, group, nan);
  if (!std::isfinite(amax) || nan) {
    std::copy(xg, xg + group, xhat);
    return false;
  }
  sx = amax / 127.0f;
  if (!(sx > 0.0f)) {
    std::fill(xhat, xhat + group, 0.0f);
    std::fill(codes, codes + group, int8_t(0));
    return true;
  }
  // Adding and subtracting 1.5 * 2^23 rounds |t| < 2^22 to an integer, half to even (the
  // default rounding mode), as nearbyint; the sign is put back for -0.5 <= t < 0, where
  // nearbyint gives -0. Each step a float32 operation per lane, as PyTorch's.
  const simd::v8sf vsx = simd::v8sf{} + sx, magic = simd::v8sf{} + 12582912.0f;
  for (int64_t i = 0; i < group; i += 8) {
    const simd::v8sf t = simd::loadu(xg + i) / vsx;
    const simd::v8sf X = (simd::v8sf)((simd::v8su)((t + magic) - magic) | ((simd::v8su)t & 0x80000000u));
    simd::storeu(xhat + i, vsx * X);
    const v8qi c = __builtin_convertvector(__builtin_convertvector(X, v8si), v8qi);
    std::memcpy(codes + i, &c, sizeof c);
  }
  return true;
}

// Inputs per thread below which quantizing on the calling thread alone is faster.
constexpr int64_t kParallelInputs = 1 << 15;

}  // namespace int8_activations

// x: M x K float32, row m at x + m * ldx; group (32, 64 or 128) divides K. Fills q,
// whose buffers are kept from call to call by the caller: fresh ones of a prefill's size
// (megabytes) come from mmap and fault their pages in on every call.
inline void quantize_activations(const float *x, int64_t M, int64_t K, int64_t ldx, int64_t group, Int8Activations &q) {
  using namespace int8_activations;
  const int64_t G = K / group;
  q.xhat.resize(size_t(M * K));
  q.codes.resize(size_t(M * K));
  q.scales.assign(size_t(M * G), 0.0f);
  std::atomic<bool> finite{true};
  parallel_for(M, std::max<int64_t>(1, kParallelInputs / K), [&](int64_t m0, int64_t m1) {
    bool ok = true;
    for (int64_t m = m0; m < m1; ++m)
      for (int64_t g = 0; g < G; ++g) {
        const size_t at = size_t(m * K + g * group);
        ok &= quantize_group(x + m * ldx + g * group, group, q.xhat.data() + at, q.codes.data() + at, q.scales[size_t(m * G + g)]);
      }
    if (!ok) finite.store(false, std::memory_order_relaxed);
  });
  q.finite = finite.load();
}

}  // namespace tl
