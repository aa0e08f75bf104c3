// copy: strided copy with dtype conversion (native.ts: NativeCore.copy).
#include <cstring>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

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

// A transposed pair of dimensions (the source contiguous along the second-to-last,
// the destination along the last): copy in 32 x 32 tiles so that both sides reuse
// their cache lines. Outer dimensions are walked per tile row.
template <typename T>
void copy_tiled(const Layout<2> &l, const uint8_t *src, int64_t soff, uint8_t *dst, int64_t doff) {
  constexpr int64_t kT = 32;
  const int nd = int(l.shape.size());
  const int64_t A = l.shape[nd - 2], B = l.shape[nd - 1];
  const int64_t sb = l.strides[nd - 1][0], da = l.strides[nd - 2][1];
  const int64_t na = (A + kT - 1) / kT, outer = l.size / (A * B);
  const T *s = reinterpret_cast<const T *>(src);
  T *d = reinterpret_cast<T *>(dst);
  parallel_for(outer * na, std::max<int64_t>(1, kGrain / (kT * B)), [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      int64_t o = u / na, so = soff, dof = doff;
      for (int k = nd - 3; k >= 0; --k) {
        const int64_t i = o % l.shape[k];
        o /= l.shape[k];
        so += i * l.strides[k][0], dof += i * l.strides[k][1];
      }
      const int64_t a0 = (u % na) * kT, a1 = std::min(A, a0 + kT);
      for (int64_t b0 = 0; b0 < B; b0 += kT) {
        const int64_t b1 = std::min(B, b0 + kT);
        for (int64_t a = a0; a < a1; ++a)
          for (int64_t b = b0; b < b1; ++b) d[dof + a * da + b] = s[so + a + b * sb];
      }
    }
  });
}

}  // namespace

Napi::Value Copy(const Napi::CallbackInfo &info) {
  View src = view_arg(info, 0), dst = view_arg(info, 4);
  std::vector<int64_t> shape = dims_arg(info[8]);
  Layout<2> l = collapse<2>(shape, {&src.strides, &dst.strides});
  const int sdt = src.dt, ddt = dst.dt;

  const int nd = int(l.shape.size());
  if (sdt == ddt && nd >= 2 && l.strides[nd - 2][0] == 1 && l.strides[nd - 1][1] == 1 && l.shape[nd - 2] >= 8) {
    const int isz = itemsize(sdt);
    if (isz == 4) copy_tiled<uint32_t>(l, src.data, src.off, dst.data, dst.off);
    else if (isz == 2) copy_tiled<uint16_t>(l, src.data, src.off, dst.data, dst.off);
    else copy_tiled<uint8_t>(l, src.data, src.off, dst.data, dst.off);
  } else if (sdt == ddt) {
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
