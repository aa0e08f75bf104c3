// softmax over the rows of a contiguous rows x n block (native.ts:
// NativeCore.softmax): y = exp(x - max) / sum, in float32. A row of all -inf (or
// holding +inf or NaN) gives NaN, like PyTorch.
#include <algorithm>
#include <vector>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"
#include "tiny-llm/vmath.h"

namespace tl {

Napi::Value Softmax(const Napi::CallbackInfo &info) {
  const uint8_t *src = buffer_data(info[0]);
  const int64_t soff = int_arg(info[1]);
  const int sdt = int(int_arg(info[2]));
  uint8_t *dst = buffer_data(info[3]);
  const int ddt = int(int_arg(info[4]));
  const int64_t rows = int_arg(info[5]), n = int_arg(info[6]);
  if (rows <= 0 || n <= 0) return info.Env().Undefined();

  parallel_for(rows, std::max<int64_t>(1, kGrain / 4 / n), [&](int64_t r0, int64_t r1) {
    std::vector<float> in_buf, out_buf;
    if (!(sdt == F32)) in_buf.resize(size_t(n));
    if (!(ddt == F32)) out_buf.resize(size_t(n));
    for (int64_t r = r0; r < r1; ++r) {
      const float *x = row_f32(src, sdt, soff + r * n, 1, n, in_buf.data());
      float *y = out_f32(dst, ddt, r * n, 1, out_buf.data());
      constexpr int W = 16;
      float mv[W];
      for (int j = 0; j < W; ++j) mv[j] = -INFINITY;
      int64_t i = 0;  // the row maximum; a NaN sticks
      for (; i + W <= n; i += W)
        for (int j = 0; j < W; ++j) mv[j] = (x[i + j] > mv[j] || x[i + j] != x[i + j]) ? x[i + j] : mv[j];
      for (; i < n; ++i) mv[0] = (x[i] > mv[0] || x[i] != x[i]) ? x[i] : mv[0];
      float m = mv[0];
      for (int j = 1; j < W; ++j) m = (mv[j] > m || mv[j] != mv[j]) ? mv[j] : m;
      float sv[W] = {};
      for (i = 0; i + W <= n; i += W)
        for (int j = 0; j < W; ++j) sv[j] += (y[i + j] = exp_f(x[i + j] - m));
      for (; i < n; ++i) sv[0] += (y[i] = exp_f(x[i] - m));
      float s = 0.0f;
      for (int j = 0; j < W; ++j) s += sv[j];
      const float inv = 1.0f / s;
      for (i = 0; i < n; ++i) y[i] *= inv;
      finish_f32(y, out_buf.data(), n, dst, ddt, r * n, 1);
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
