// Strided loads into compute buffers and stores back, one loop per storage dtype.
#include "tiny-llm/dtype.h"

#include <limits>

namespace tl {
namespace {

template <typename T, typename Out, typename Conv>
void load_loop(const void *base, int64_t off, int64_t stride, int64_t n, Out *out, Conv conv) {
  const T *p = static_cast<const T *>(base) + off;
  if (stride == 0) {  // broadcast operand
    Out v = conv(p[0]);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  } else if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = conv(p[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = conv(p[i * stride]);
  }
}

template <typename T, typename In, typename Conv>
void store_loop(const In *in, int64_t n, void *base, int64_t off, int64_t stride, Conv conv) {
  T *p = static_cast<T *>(base) + off;
  if (stride == 1) {
    for (int64_t i = 0; i < n; ++i) p[i] = conv(in[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) p[i * stride] = conv(in[i]);
  }
}

// Float to integer stores saturate NaN to 0 and truncate toward zero, as numpy does
// for in-range values (out-of-range values are undefined in C++, so clamp them).
template <typename I>
I float_to_int(float v) {
  if (!(v == v)) return 0;
  double d = double(v);
  if (d <= double(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (d >= double(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return I(d);
}

}  // namespace

void load_f32(const void *base, int dt, int64_t off, int64_t stride, int64_t n, float *out) {
  switch (dt) {
    case F32: load_loop<float>(base, off, stride, n, out, [](float v) { return v; }); break;
    case F16: load_loop<uint16_t>(base, off, stride, n, out, f16_to_f32); break;
    case BF16: load_loop<uint16_t>(base, off, stride, n, out, bf16_to_f32); break;
    case I32: load_loop<int32_t>(base, off, stride, n, out, [](int32_t v) { return float(v); }); break;
    case U32: load_loop<uint32_t>(base, off, stride, n, out, [](uint32_t v) { return float(v); }); break;
    case U8: load_loop<uint8_t>(base, off, stride, n, out, [](uint8_t v) { return float(v); }); break;
    case BOOL: load_loop<uint8_t>(base, off, stride, n, out, [](uint8_t v) { return v ? 1.0f : 0.0f; }); break;
  }
}

void load_i64(const void *base, int dt, int64_t off, int64_t stride, int64_t n, int64_t *out) {
  switch (dt) {
    case F32: load_loop<float>(base, off, stride, n, out, float_to_int<int64_t>); break;
    case F16: load_loop<uint16_t>(base, off, stride, n, out, [](uint16_t v) { return float_to_int<int64_t>(f16_to_f32(v)); }); break;
    case BF16: load_loop<uint16_t>(base, off, stride, n, out, [](uint16_t v) { return float_to_int<int64_t>(bf16_to_f32(v)); }); break;
    case I32: load_loop<int32_t>(base, off, stride, n, out, [](int32_t v) { return int64_t(v); }); break;
    case U32: load_loop<uint32_t>(base, off, stride, n, out, [](uint32_t v) { return int64_t(v); }); break;
    case U8: load_loop<uint8_t>(base, off, stride, n, out, [](uint8_t v) { return int64_t(v); }); break;
    case BOOL: load_loop<uint8_t>(base, off, stride, n, out, [](uint8_t v) { return int64_t(v != 0); }); break;
  }
}

void store_f32(const float *in, int64_t n, void *base, int dt, int64_t off, int64_t stride) {
  switch (dt) {
    case F32: store_loop<float>(in, n, base, off, stride, [](float v) { return v; }); break;
    case F16: store_loop<uint16_t>(in, n, base, off, stride, f32_to_f16); break;
    case BF16: store_loop<uint16_t>(in, n, base, off, stride, f32_to_bf16); break;
    case I32: store_loop<int32_t>(in, n, base, off, stride, float_to_int<int32_t>); break;
    case U32: store_loop<uint32_t>(in, n, base, off, stride, float_to_int<uint32_t>); break;
    case U8: store_loop<uint8_t>(in, n, base, off, stride, float_to_int<uint8_t>); break;
    case BOOL: store_loop<uint8_t>(in, n, base, off, stride, [](float v) { return uint8_t(v != 0.0f); }); break;
  }
}

void store_i64(const int64_t *in, int64_t n, void *base, int dt, int64_t off, int64_t stride) {
  switch (dt) {
    case F32: store_loop<float>(in, n, base, off, stride, [](int64_t v) { return float(v); }); break;
    case F16: store_loop<uint16_t>(in, n, base, off, stride, [](int64_t v) { return f32_to_f16(float(v)); }); break;
    case BF16: store_loop<uint16_t>(in, n, base, off, stride, [](int64_t v) { return f32_to_bf16(float(v)); }); break;
    // Integer stores wrap, as numpy's integer arithmetic does.
    case I32: store_loop<int32_t>(in, n, base, off, stride, [](int64_t v) { return int32_t(uint32_t(v)); }); break;
    case U32: store_loop<uint32_t>(in, n, base, off, stride, [](int64_t v) { return uint32_t(v); }); break;
    case U8: store_loop<uint8_t>(in, n, base, off, stride, [](int64_t v) { return uint8_t(v); }); break;
    case BOOL: store_loop<uint8_t>(in, n, base, off, stride, [](int64_t v) { return uint8_t(v != 0); }); break;
  }
}

}  // namespace tl
