// copy: strided copy with dtype conversion (native.ts: NativeCore.copy).
#include <cstring>

#include "napi_args.h"
#include "ops.h"
#include "strided.h"

namespace tl {
namespace {

// Same dtype: move raw elements, memcpy when both rows are contiguous.
template <typename T>
void copy_raw(const uint8_t *src, int64_t so, int64_t ss, uint8_t *dst, int64_t d_o, int64_t ds, int64_t n) {
  const T *s = reinterpret_cast<const T *>(src) + so;
  T *d = reinterpret_cast<T *>(dst) + d_o;
  if (ss == 1 && ds == 1) {
    std::memcpy(d, s, size_t(n) * sizeof(T));
  } else if (ss == 0) {
    const T v = s[0];
    for (int64_t i = 0; i < n; ++i) d[i * ds] = v;
  } else if (ds == 1) {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i * ss];
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

}  // namespace

Napi::Value Copy(const Napi::CallbackInfo &info) {
  View src = view_arg(info, 0), dst = view_arg(info, 4);
  std::vector<int64_t> shape = dims_arg(info[8]);
  Layout<2> l = collapse<2>(shape, {&src.strides, &dst.strides});
  const int sdt = src.dt, ddt = dst.dt;

  if (sdt == ddt) {
    const int isz = itemsize(sdt);
    for_each_row<2>(l, {src.off, dst.off}, kGrain, INT64_MAX, [&](const std::array<int64_t, 2> &o, int64_t n, const std::array<int64_t, 2> &s) {
      if (isz == 4) copy_raw<uint32_t>(src.data, o[0], s[0], dst.data, o[1], s[1], n);
      else if (isz == 2) copy_raw<uint16_t>(src.data, o[0], s[0], dst.data, o[1], s[1], n);
      else copy_raw<uint8_t>(src.data, o[0], s[0], dst.data, o[1], s[1], n);
    });
  } else if (is_float(sdt) || is_float(ddt)) {
    // Through float32: exact for every int -> float16/bfloat16/float32 value that the
    // destination can hold, truncating (numpy-style) for float -> int.
    for_each_row<2>(l, {src.off, dst.off}, kGrain, kChunk, [&](const std::array<int64_t, 2> &o, int64_t n, const std::array<int64_t, 2> &s) {
      float buf[kChunk];
      if (ddt == F32 && s[1] == 1) {
        load_f32(src.data, sdt, o[0], s[0], n, reinterpret_cast<float *>(dst.data) + o[1]);
      } else {
        const float *in = row_f32(src.data, sdt, o[0], s[0], n, buf);
        store_f32(in, n, dst.data, ddt, o[1], s[1]);
      }
    });
  } else {
    for_each_row<2>(l, {src.off, dst.off}, kGrain, kChunk, [&](const std::array<int64_t, 2> &o, int64_t n, const std::array<int64_t, 2> &s) {
      int64_t buf[kChunk];
      load_i64(src.data, sdt, o[0], s[0], n, buf);
      store_i64(buf, n, dst.data, ddt, o[1], s[1]);
    });
  }
  return info.Env().Undefined();
}

}  // namespace tl
