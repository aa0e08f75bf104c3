// unary: dst = op(src) elementwise (native.ts: NativeCore.unary, UnaryOp codes).
// Computed in float32 when either dtype is a float (so isnan / logicalNot of a float
// source see the real value), else in int64 (negative, abs, square, sign, logicalNot).
#include <cmath>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"
#include "tiny-llm/vmath.h"

namespace tl {
namespace {

enum Op { NEG, ABS, EXP, LOG, SQRT, RSQRT, SIN, COS, TANH, SIGMOID, SQUARE, LNOT, FLOOR, CEIL, SIGN, RECIP, ISNAN, SILU };

template <typename T, typename F>
inline void map(const T *in, T *out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = f(in[i]);
}

void apply_f32(int op, const float *x, float *y, int64_t n) {
  switch (op) {
    case NEG: map(x, y, n, [](float v) { return -v; }); break;
    case ABS: map(x, y, n, [](float v) { return std::fabs(v); }); break;
    case EXP: map(x, y, n, [](float v) { return exp_f(v); }); break;
    case LOG: map(x, y, n, [](float v) { return std::log(v); }); break;
    case SQRT: map(x, y, n, [](float v) { return std::sqrt(v); }); break;
    case RSQRT: map(x, y, n, [](float v) { return 1.0f / std::sqrt(v); }); break;
    case SIN: map(x, y, n, [](float v) { return std::sin(v); }); break;
    case COS: map(x, y, n, [](float v) { return std::cos(v); }); break;
    case TANH: map(x, y, n, [](float v) { return tanh_f(v); }); break;
    case SIGMOID: map(x, y, n, [](float v) { return sigmoid_f(v); }); break;
    case SQUARE: map(x, y, n, [](float v) { return v * v; }); break;
    case LNOT: map(x, y, n, [](float v) { return v == 0.0f ? 1.0f : 0.0f; }); break;
    case FLOOR: map(x, y, n, [](float v) { return std::floor(v); }); break;
    case CEIL: map(x, y, n, [](float v) { return std::ceil(v); }); break;
    case SIGN:  // NaN stays NaN, +-0 gives 0, like numpy
      map(x, y, n, [](float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : (v == 0.0f ? 0.0f : v)); });
      break;
    case RECIP: map(x, y, n, [](float v) { return 1.0f / v; }); break;
    case ISNAN: map(x, y, n, [](float v) { return v != v ? 1.0f : 0.0f; }); break;
    case SILU: map(x, y, n, [](float v) { return silu_f(v); }); break;
  }
}

void apply_i64(int op, const int64_t *x, int64_t *y, int64_t n) {
  switch (op) {
    case NEG: map(x, y, n, [](int64_t v) { return int64_t(0 - uint64_t(v)); }); break;
    case ABS: map(x, y, n, [](int64_t v) { return v < 0 ? int64_t(0 - uint64_t(v)) : v; }); break;
    case SQUARE: map(x, y, n, [](int64_t v) { return int64_t(uint64_t(v) * uint64_t(v)); }); break;
    case LNOT: map(x, y, n, [](int64_t v) { return int64_t(v == 0); }); break;
    case SIGN: map(x, y, n, [](int64_t v) { return int64_t((v > 0) - (v < 0)); }); break;
    case ISNAN: map(x, y, n, [](int64_t) { return int64_t(0); }); break;
    case FLOOR: case CEIL: map(x, y, n, [](int64_t v) { return v; }); break;
    default: {  // a float op on integers (not sent by the front end): go through float
      float buf[kChunk] = {};
      for (int64_t i = 0; i < n; ++i) buf[i] = float(x[i]);
      apply_f32(op, buf, buf, n);
      for (int64_t i = 0; i < n; ++i) y[i] = std::fabs(buf[i]) < 9.2e18f ? int64_t(buf[i]) : 0;
    }
  }
}

}  // namespace

Napi::Value Unary(const Napi::CallbackInfo &info) {
  const int op = int(int_arg(info[0]));
  View src = view_arg(info, 1), dst = view_arg(info, 5);
  std::vector<int64_t> shape = dims_arg(info[9]);
  if (op < NEG || op > SILU) {
    Napi::Error::New(info.Env(), "unary: unknown op").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  Layout<2> l = collapse<2>(shape, {&src.strides, &dst.strides});
  const bool as_float = is_float(src.dt) || is_float(dst.dt);
  // Transcendental ops are worth threads sooner than the cheap ones.
  const bool heavy = op == EXP || op == LOG || op == SIN || op == COS || op == TANH || op == SIGMOID || op == SILU;
  const int64_t grain = heavy ? kGrain / 4 : kGrain;
  for_each_row<2>(l, {src.off, dst.off}, grain, kChunk, [&](const std::array<int64_t, 2> &o, int64_t n, const std::array<int64_t, 2> &s) {
    if (as_float) {
      float ibuf[kChunk], obuf[kChunk];
      const float *x = row_f32(src.data, src.dt, o[0], s[0], n, ibuf);
      float *y = out_f32(dst.data, dst.dt, o[1], s[1], obuf);
      apply_f32(op, x, y, n);
      finish_f32(y, obuf, n, dst.data, dst.dt, o[1], s[1]);
    } else {
      int64_t ibuf[kChunk], obuf[kChunk];
      load_i64(src.data, src.dt, o[0], s[0], n, ibuf);
      apply_i64(op, ibuf, obuf, n);
      store_i64(obuf, n, dst.data, dst.dt, o[1], s[1]);
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
