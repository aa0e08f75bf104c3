// binary: dst = op(a, b) elementwise with broadcasting through 0 strides
// (native.ts: NativeCore.binary, BinaryOp codes). Float math in float32; integer
// math in int64 with wrap-around, Python/numpy floor division and modulo (by zero
// gives 0 instead of trapping), and exact integer powers.
#include <cmath>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {
namespace {

enum Op { ADD, SUB, MUL, DIV, POW, MAX, MIN, EQ, NE, LT, LE, GT, GE, LAND, LOR, FLOORDIV, REM };

template <typename T, typename F>
inline void zip(const T *a, const T *b, T *y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
}

// numpy's npy_divmodf: floor division and a remainder with the divisor's sign.
inline float float_floordiv(float a, float b) {
  if (b == 0.0f) return a / b;
  float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0.0f && ((b < 0.0f) != (mod < 0.0f))) div -= 1.0f;
  if (div == 0.0f) return std::copysign(0.0f, a / b);
  float fl = std::floor(div);
  return div - fl > 0.5f ? fl + 1.0f : fl;
}
inline float float_rem(float a, float b) {
  float mod = std::fmod(a, b);  // NaN for b == 0, as numpy
  if (mod != 0.0f) {
    if ((b < 0.0f) != (mod < 0.0f)) mod += b;
  } else {
    mod = std::copysign(0.0f, b);
  }
  return mod;
}

inline int64_t int_floordiv(int64_t a, int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return int64_t(0 - uint64_t(a));
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
inline int64_t int_rem(int64_t a, int64_t b) {
  if (b == 0 || b == -1) return 0;
  int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
inline int64_t int_pow(int64_t base, int64_t e) {
  if (e < 0) return base == 1 ? 1 : (base == -1 ? ((e & 1) ? -1 : 1) : 0);
  uint64_t r = 1, b = uint64_t(base);
  while (e != 0) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return int64_t(r);
}

void apply_f32(int op, const float *a, const float *b, float *y, int64_t n) {
  switch (op) {
    case ADD: zip(a, b, y, n, [](float x, float z) { return x + z; }); break;
    case SUB: zip(a, b, y, n, [](float x, float z) { return x - z; }); break;
    case MUL: zip(a, b, y, n, [](float x, float z) { return x * z; }); break;
    case DIV: zip(a, b, y, n, [](float x, float z) { return x / z; }); break;
    case POW: zip(a, b, y, n, [](float x, float z) { return std::pow(x, z); }); break;
    case MAX:  // NaN in either operand propagates, like numpy.maximum
      zip(a, b, y, n, [](float x, float z) { return x != x ? x : (z != z ? z : (x > z ? x : z)); });
      break;
    case MIN: zip(a, b, y, n, [](float x, float z) { return x != x ? x : (z != z ? z : (x < z ? x : z)); }); break;
    case EQ: zip(a, b, y, n, [](float x, float z) { return x == z ? 1.0f : 0.0f; }); break;
    case NE: zip(a, b, y, n, [](float x, float z) { return x != z ? 1.0f : 0.0f; }); break;
    case LT: zip(a, b, y, n, [](float x, float z) { return x < z ? 1.0f : 0.0f; }); break;
    case LE: zip(a, b, y, n, [](float x, float z) { return x <= z ? 1.0f : 0.0f; }); break;
    case GT: zip(a, b, y, n, [](float x, float z) { return x > z ? 1.0f : 0.0f; }); break;
    case GE: zip(a, b, y, n, [](float x, float z) { return x >= z ? 1.0f : 0.0f; }); break;
    case LAND: zip(a, b, y, n, [](float x, float z) { return ((x != 0.0f) & (z != 0.0f)) ? 1.0f : 0.0f; }); break;
    case LOR: zip(a, b, y, n, [](float x, float z) { return ((x != 0.0f) | (z != 0.0f)) ? 1.0f : 0.0f; }); break;
    case FLOORDIV: zip(a, b, y, n, float_floordiv); break;
    case REM: zip(a, b, y, n, float_rem); break;
  }
}

void apply_i64(int op, const int64_t *a, const int64_t *b, int64_t *y, int64_t n) {
  using I = int64_t;
  switch (op) {
    case ADD: zip(a, b, y, n, [](I x, I z) { return I(uint64_t(x) + uint64_t(z)); }); break;
    case SUB: zip(a, b, y, n, [](I x, I z) { return I(uint64_t(x) - uint64_t(z)); }); break;
    case MUL: zip(a, b, y, n, [](I x, I z) { return I(uint64_t(x) * uint64_t(z)); }); break;
    case DIV:  // integer "divide" (the front end sends true division as float) floors
    case FLOORDIV: zip(a, b, y, n, int_floordiv); break;
    case REM: zip(a, b, y, n, int_rem); break;
    case POW: zip(a, b, y, n, int_pow); break;
    case MAX: zip(a, b, y, n, [](I x, I z) { return x > z ? x : z; }); break;
    case MIN: zip(a, b, y, n, [](I x, I z) { return x < z ? x : z; }); break;
    case EQ: zip(a, b, y, n, [](I x, I z) { return I(x == z); }); break;
    case NE: zip(a, b, y, n, [](I x, I z) { return I(x != z); }); break;
    case LT: zip(a, b, y, n, [](I x, I z) { return I(x < z); }); break;
    case LE: zip(a, b, y, n, [](I x, I z) { return I(x <= z); }); break;
    case GT: zip(a, b, y, n, [](I x, I z) { return I(x > z); }); break;
    case GE: zip(a, b, y, n, [](I x, I z) { return I(x >= z); }); break;
    case LAND: zip(a, b, y, n, [](I x, I z) { return I((x != 0) & (z != 0)); }); break;
    case LOR: zip(a, b, y, n, [](I x, I z) { return I((x != 0) | (z != 0)); }); break;
  }
}

}  // namespace

Napi::Value Binary(const Napi::CallbackInfo &info) {
  const int op = int(int_arg(info[0]));
  const bool as_float = info[1].As<Napi::Boolean>().Value();
  View a = view_arg(info, 2), b = view_arg(info, 6), dst = view_arg(info, 10);
  std::vector<int64_t> shape = dims_arg(info[14]);
  if (op < ADD || op > REM) {
    Napi::Error::New(info.Env(), "binary: unknown op").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Layout<3> l = collapse<3>(shape, {&a.strides, &b.strides, &dst.strides});
  const int64_t grain = (op == POW || op == FLOORDIV || op == REM) ? kGrain / 4 : kGrain;
  for_each_row<3>(l, {a.off, b.off, dst.off}, grain, kChunk, [&](const std::array<int64_t, 3> &o, int64_t n, const std::array<int64_t, 3> &s) {
    if (as_float) {
      float abuf[kChunk], bbuf[kChunk], ybuf[kChunk];
      const float *x = row_f32(a.data, a.dt, o[0], s[0], n, abuf);
      const float *z = row_f32(b.data, b.dt, o[1], s[1], n, bbuf);
      float *y = out_f32(dst.data, dst.dt, o[2], s[2], ybuf);
      apply_f32(op, x, z, y, n);
      finish_f32(y, ybuf, n, dst.data, dst.dt, o[2], s[2]);
    } else {
      int64_t abuf[kChunk], bbuf[kChunk], ybuf[kChunk];
      load_i64(a.data, a.dt, o[0], s[0], n, abuf);
      load_i64(b.data, b.dt, o[1], s[1], n, bbuf);
      apply_i64(op, abuf, bbuf, ybuf, n);
      store_i64(ybuf, n, dst.data, dst.dt, o[2], s[2]);
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
