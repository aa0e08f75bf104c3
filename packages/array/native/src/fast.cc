// The fused layer kernels of mx.fast (native.ts: NativeCore.rmsNorm, rope): each does in
// one pass over its input what the layer built from ops does in six to ten ops, and
// with it six to ten passes, allocations and calls. Computed in float32.
#include <algorithm>
#include <cmath>
#include <vector>

#include "ops.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/napi_args.h"
#include "tiny-llm/rope.h"
#include "tiny-llm/strided.h"
#include "tiny-llm/thread_pool.h"

namespace tl {

// rows x n contiguous: y = x / sqrt(mean(x^2) + eps) * weight. With a residual r (same
// dtype and layout as x; arguments 11-14), the norm is of h = x + r instead, and h is
// stored too (rounded to x's dtype, as a separate add would store it, and normed as
// stored): vLLM's fused_add_rms_norm, one pass for the residual add and the next norm.
Napi::Value RmsNorm(const Napi::CallbackInfo &info) {
  const uint8_t *src = buffer_data(info[0]);
  const int64_t soff = int_arg(info[1]);
  const int sdt = int(int_arg(info[2]));
  const uint8_t *wbuf = buffer_data(info[3]);
  const int64_t woff = int_arg(info[4]);
  const int wdt = int(int_arg(info[5]));
  uint8_t *dst = buffer_data(info[6]);
  const int ddt = int(int_arg(info[7]));
  const int64_t rows = int_arg(info[8]), n = int_arg(info[9]);
  const float eps = float(info[10].As<Napi::Number>().DoubleValue());
  const bool add = info.Length() > 11;
  const uint8_t *res = add ? buffer_data(info[11]) : nullptr;
  const int64_t roff = add ? int_arg(info[12]) : 0;
  uint8_t *sum = add ? buffer_data(info[13]) : nullptr;
  const int64_t sumoff = add ? int_arg(info[14]) : 0;
  if (rows <= 0 || n <= 0) return info.Env().Undefined();
  std::vector<float> wf(static_cast<size_t>(n));
  const float *w = row_f32(wbuf, wdt, woff, 1, n, wf.data());

  parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t r0, int64_t r1) {
    const size_t conv = sdt == F32 ? 0 : size_t(n);
    std::vector<float> in_buf(conv), out_buf(ddt == F32 ? 0 : size_t(n)), res_buf(add ? conv : 0), h_buf(add ? size_t(n) : 0);
    for (int64_t r = r0; r < r1; ++r) {
      const float *x = row_f32(src, sdt, soff + r * n, 1, n, in_buf.data());
      if (add) {
        const float *rr = row_f32(res, sdt, roff + r * n, 1, n, res_buf.data());
        for (int64_t i = 0; i < n; ++i) h_buf[size_t(i)] = x[i] + rr[i];
        store_f32(h_buf.data(), n, sum, sdt, sumoff + r * n, 1);
        x = row_f32(sum, sdt, sumoff + r * n, 1, n, h_buf.data());
      }
      float *y = out_f32(dst, ddt, r * n, 1, out_buf.data());
      constexpr int W = 16;
      float acc[W] = {};
      int64_t i = 0;
      for (; i + W <= n; i += W)
        for (int j = 0; j < W; ++j) acc[j] += x[i + j] * x[i + j];
      for (; i < n; ++i) acc[0] += x[i] * x[i];
      float ss = 0.0f;
      for (int j = 0; j < W; ++j) ss += acc[j];
      const float inv = 1.0f / std::sqrt(ss / float(n) + eps);
      for (i = 0; i < n; ++i) y[i] = x[i] * inv * w[i];
      finish_f32(y, out_buf.data(), n, dst, ddt, r * n, 1);
    }
  });
  return info.Env().Undefined();
}

// src: B x L x H x D with element strides [sb, sl, sh, 1]; cos, sin: contiguous float32
// L x D/2 (the angles of the L positions); dst: contiguous B x L x H x D. Pairs are
// (i, i + D/2), or (2i, 2i + 1) when traditional:
//   y0 = x0 cos - x1 sin,  y1 = x1 cos + x0 sin.
Napi::Value Rope(const Napi::CallbackInfo &info) {
  const uint8_t *src = buffer_data(info[0]);
  const int64_t soff = int_arg(info[1]);
  const int sdt = int(int_arg(info[2]));
  const std::vector<int64_t> st = dims_arg(info[3]);  // [sb, sl, sh]
  const float *cos_t = reinterpret_cast<const float *>(buffer_data(info[4])) + int_arg(info[5]);
  const float *sin_t = reinterpret_cast<const float *>(buffer_data(info[6])) + int_arg(info[7]);
  uint8_t *dst = buffer_data(info[8]);
  const int ddt = int(int_arg(info[9]));
  const int64_t B = int_arg(info[10]), L = int_arg(info[11]), H = int_arg(info[12]), D = int_arg(info[13]);
  const bool traditional = info[14].ToBoolean().Value();
  const int64_t half = D / 2, rows = B * L * H;
  if (rows <= 0 || D <= 0) return info.Env().Undefined();

  parallel_for(rows, std::max<int64_t>(1, kGrain / D), [&](int64_t r0, int64_t r1) {
    std::vector<float> in_buf(sdt == F32 ? 0 : size_t(D)), out_buf(ddt == F32 ? 0 : size_t(D));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t h = r % H, l = (r / H) % L, b = r / (H * L);
      const float *x = row_f32(src, sdt, soff + b * st[0] + l * st[1] + h * st[2], 1, D, in_buf.data());
      float *y = out_f32(dst, ddt, r * D, 1, out_buf.data());
      rope_head(x, cos_t + l * half, sin_t + l * half, half, traditional, y);
      finish_f32(y, out_buf.data(), D, dst, ddt, r * D, 1);
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
