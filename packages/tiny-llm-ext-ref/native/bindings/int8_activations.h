// Int8 activations, as llama.cpp pairs its 4-bit weights with 8-bit activations (Q8_0):
// each group of group_size inputs of a row of x is scaled to integers in [-127, 127],
//
//   sx = max |x| / 127    X = round(x / sx) (half to even)    x̂ = sx * X    (sx = 0: X = 0)
//
// and the matmul then computes x̂ @ W.T. Every step is one float32 operation, so PyTorch
// reproduces X bit for bit (tests/golden/week2/make_week2_goldens.py, day 2's int8 cases).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace tl {

struct Int8Activations {
  std::vector<float> xhat;     // M x K, the round trip sx * X
  std::vector<int8_t> codes;   // M x K, X
  std::vector<float> scales;   // M x K/group, sx
  // False when x holds an inf or a NaN: a group holding one keeps x as it is (so that the
  // product is inf or NaN, as without int8 activations), and the codes are not valid.
  bool finite = true;
};

// x: M x K float32, row m at x + m * ldx; group divides K.
inline Int8Activations quantize_activations(const float *x, int64_t M, int64_t K, int64_t ldx, int64_t group) {
  Int8Activations q;
  q.xhat.resize(size_t(M * K));
  q.codes.resize(size_t(M * K));
  q.scales.resize(size_t(M * (K / group)));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t g = 0; g < K / group; ++g) {
      const float *xg = x + m * ldx + g * group;
      float amax = 0.0f;
      for (int64_t i = 0; i < group; ++i) amax = std::max(amax, std::fabs(xg[i]));
      if (!std::isfinite(amax) || std::any_of(xg, xg + group, [](float v) { return std::isnan(v); })) {
        q.finite = false;
        std::copy(xg, xg + group, q.xhat.begin() + m * K + g * group);
        continue;
      }
      const float sx = amax / 127.0f;
      q.scales[size_t(m * (K / group) + g)] = sx;
      for (int64_t i = 0; i < group; ++i) {
        const float X = sx > 0.0f ? std::nearbyint(xg[i] / sx) : 0.0f;
        const size_t at = size_t(m * K + g * group + i);
        q.codes[at] = int8_t(X);
        q.xhat[at] = sx * X;
      }
    }
  }
  return q;
}

}  // namespace tl
