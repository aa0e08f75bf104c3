// N-API entry of quantizedMatmul (contract: src/native.ts): reads the KernelArrays and
// the parameters (positional numbers and booleans: a property read from C++ costs a
// slow lookup each, 1.5-2 us of a small product's 8),
// checks what the kernel relies on, gives it float32 rows of x and a float32 y, and
// rounds y into the output's dtype. The TypeScript wrapper has already checked the
// arguments with messages for users; the checks here keep a direct call from crashing.
#include <string>
#include <vector>

#include "int8_activations.h"
#include "kernels.h"
#include "quantized_matmul.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/extension.h"
#include "tiny-llm/napi_args.h"
#include "tiny-llm/vmath.h"

namespace tl {
namespace {

constexpr NativeCheck require{"quantizedMatmul"};

// Rows of [gate | up] (M x 2I) -> silu(gate) * up, M x I, packed at the front of the same
// buffer (row m's results land below row m's inputs, which are read first), as the
// array core's silu and multiply compute it.
void swiglu_rows(float *y, int64_t M, int64_t I) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < I; ++i) y[m * I + i] = silu_f(y[m * 2 * I + i]) * y[m * 2 * I + I + i];
}

void run(const Napi::CallbackInfo &info) {
  require(info.Length() >= 7 && info[2].IsNumber() && info[3].IsNumber(), "expected (inputs, outputs, groupSize, bits, int8, swiglu, portable)");
  const std::vector<ArrayArg> in = array_args(info[0]), out = array_args(info[1]);
  require(in.size() == 4 && out.size() == 1, "expected inputs [x, w, scales, biases] and outputs [y]");
  const ArrayArg &x = in[0], &w = in[1], &s = in[2], &b = in[3], &y = out[0];
  const int group = int(int_arg(info[2])), bits = int(int_arg(info[3]));
  const bool int8 = info[4].ToBoolean().Value();
  // Reference only (quantizedSwiGLU): W is [W_gate; W_up] and y is silu(x @ W_gate.T) * (x @ W_up.T).
  const bool swiglu = info[5].ToBoolean().Value();
  const bool portable = info[6].ToBoolean().Value();

  require(bits == 4 || bits == 8, "bits must be 4 or 8");
  require(group == 32 || group == 64 || group == 128, "groupSize must be 32, 64 or 128");
  require(x.ndim() == 2 && w.ndim() == 2 && s.ndim() == 2 && b.ndim() == 2 && y.ndim() == 2, "every array must be 2-d");
  const int64_t M = x.shape[0], K = x.shape[1], O = w.shape[0];
  require(is_float(x.dt) && w.dt == U32 && is_float(s.dt) && s.dt == b.dt && y.dt == x.dt, "bad dtypes");
  require(w.shape[1] * 32 / bits == K && K % group == 0, "w's width does not match K, or groupSize does not divide K");
  require(s.shape[0] == O && s.shape[1] == K / group && b.shape == s.shape, "scales / biases shape");
  const int64_t Oy = swiglu ? O / 2 : O;
  require(!swiglu || O % 2 == 0, "swiglu needs an even number of rows of W (W_gate's, then W_up's)");
  require(y.shape[0] == M && y.shape[1] == Oy && y.strides[1] == 1 && y.strides[0] == Oy, "y must be contiguous M x O (M x O/2 with swiglu)");
  require(w.strides[1] == 1 && s.strides[1] == 1 && b.strides[1] == 1, "w, scales and biases need unit inner strides");

  // x as float32 rows: itself when it already is, else converted.
  std::vector<float> xbuf;
  const float *xp = x.ptr<float>();
  int64_t ldx = x.strides[0];
  if (x.dt != F32 || x.strides[1] != 1) {
    xbuf.resize(size_t(M * K));
    for (int64_t m = 0; m < M; ++m) load_f32(x.data, x.dt, x.off + m * x.strides[0], x.strides[1], K, xbuf.data() + m * K);
    xp = xbuf.data();
    ldx = K;
  }
  // Int8 activations: every kernel gets the round trip x̂ as x, and may use its codes.
  static thread_local Int8Activations xq;  // its buffers kept (see quantize_activations)
  if (int8) {
    quantize_activations(xp, M, K, ldx, group, xq);
    xp = xq.xhat.data();
    ldx = K;
  }
  std::vector<float> ybuf;
  float *yp = y.dt == F32 && !swiglu ? y.ptr<float>() : (ybuf.resize(size_t(M * O)), ybuf.data());

  quantized_matmul(QuantizedMatmulArgs{M, K, O, xp, ldx, w.ptr<uint32_t>(), w.strides[0], s.begin(), b.begin(), s.dt,
                                       s.strides[0], b.strides[0], group, bits, yp, O, portable,
                                       int8 && xq.finite ? xq.codes.data() : nullptr, int8 && xq.finite ? xq.scales.data() : nullptr});
  if (swiglu) swiglu_rows(yp, M, Oy);
  if (yp != y.ptr<float>()) store_f32(yp, M * Oy, y.data, y.dt, y.off, 1);
}

}  // namespace

Napi::Value QuantizedMatmul(const Napi::CallbackInfo &info) {
  return guard(info.Env(), [&] { run(info); });
}

}  // namespace tl
