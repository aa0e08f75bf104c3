// where: dst = cond != 0 ? a : b elementwise, broadcasting through 0 strides
// (native.ts: NativeCore.where). The condition is read as float32 so that any
// nonzero value (NaN included) counts as true; a and b are converted to the
// destination's compute type (float32 or int64).
#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {

Napi::Value Where(const Napi::CallbackInfo &info) {
  View c = view_arg(info, 0), a = view_arg(info, 4), b = view_arg(info, 8), dst = view_arg(info, 12);
  std::vector<int64_t> shape = dims_arg(info[16]);
  Layout<4> l = collapse<4>(shape, {&c.strides, &a.strides, &b.strides, &dst.strides});
  const bool as_float = is_float(dst.dt);
  for_each_row<4>(l, {c.off, a.off, b.off, dst.off}, kGrain, kChunk, [&](const std::array<int64_t, 4> &o, int64_t n, const std::array<int64_t, 4> &s) {
    float cbuf[kChunk];
    const float *cv = row_f32(c.data, c.dt, o[0], s[0], n, cbuf);
    if (as_float) {
      float abuf[kChunk], bbuf[kChunk], ybuf[kChunk];
      const float *x = row_f32(a.data, a.dt, o[1], s[1], n, abuf);
      const float *z = row_f32(b.data, b.dt, o[2], s[2], n, bbuf);
      float *y = out_f32(dst.data, dst.dt, o[3], s[3], ybuf);
      for (int64_t i = 0; i < n; ++i) y[i] = cv[i] != 0.0f ? x[i] : z[i];
      finish_f32(y, ybuf, n, dst.data, dst.dt, o[3], s[3]);
    } else {
      int64_t abuf[kChunk], bbuf[kChunk];
      load_i64(a.data, a.dt, o[1], s[1], n, abuf);
      load_i64(b.data, b.dt, o[2], s[2], n, bbuf);
      for (int64_t i = 0; i < n; ++i) abuf[i] = cv[i] != 0.0f ? abuf[i] : bbuf[i];
      store_i64(abuf, n, dst.data, dst.dt, o[3], s[3]);
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
