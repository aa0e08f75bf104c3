// scan: inclusive cumsum / cumprod / cummax / cummin over the rows of a contiguous
// rows x n block, optionally from the end (native.ts: NativeCore.scan). Float
// sources or destinations compute in float32 (sums and products carried in double,
// as PyTorch does); integers in int64. cummax / cummin propagate NaN.
#include <algorithm>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {
namespace {

enum Op { CUMSUM, CUMPROD, CUMMAX, CUMMIN };

// Scans x[0..n) into y, carrying `acc` across chunks.
template <typename T, typename A>
void scan_chunk(int op, const T *x, T *y, int64_t n, A &acc) {
  switch (op) {
    case CUMSUM: for (int64_t i = 0; i < n; ++i) acc += A(x[i]), y[i] = T(acc); break;
    case CUMPROD:
      for (int64_t i = 0; i < n; ++i) {
        if constexpr (std::is_same<T, float>::value) acc *= A(x[i]);
        else acc = A(uint64_t(acc) * uint64_t(x[i]));
        y[i] = T(acc);
      }
      break;
    case CUMMAX: for (int64_t i = 0; i < n; ++i) acc = (x[i] > T(acc) || x[i] != x[i]) ? A(x[i]) : acc, y[i] = T(acc); break;
    case CUMMIN: for (int64_t i = 0; i < n; ++i) acc = (x[i] < T(acc) || x[i] != x[i]) ? A(x[i]) : acc, y[i] = T(acc); break;
  }
}

}  // namespace

Napi::Value Scan(const Napi::CallbackInfo &info) {
  const int op = int(int_arg(info[0]));
  const bool reverse = info[1].As<Napi::Boolean>().Value();
  const uint8_t *src = buffer_data(info[2]);
  const int64_t soff = int_arg(info[3]);
  const int sdt = int(int_arg(info[4]));
  uint8_t *dst = buffer_data(info[5]);
  const int ddt = int(int_arg(info[6]));
  const int64_t rows = int_arg(info[7]), n = int_arg(info[8]);
  if (op < CUMSUM || op > CUMMIN) {
    Napi::Error::New(info.Env(), "scan: unknown op").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  if (rows <= 0 || n <= 0) return info.Env().Undefined();
  const bool fl = is_float(sdt) || is_float(ddt);
  const int64_t step = reverse ? -1 : 1;

  parallel_for(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      // The first element scanned: the row's start, or its end when reversed.
      const int64_t first = r * n + (reverse ? n - 1 : 0);
      double facc = 0;
      int64_t iacc = 0;
      for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
        const int64_t len = std::min(kChunk, n - c0), at = first + step * c0;
        if (fl) {
          float buf[kChunk];
          load_f32(src, sdt, soff + at, step, len, buf);
          if (c0 == 0) facc = op == CUMSUM ? 0.0 : op == CUMPROD ? 1.0 : double(buf[0]);
          if (op == CUMMAX || op == CUMMIN) {
            float m = float(facc);
            scan_chunk<float, float>(op, buf, buf, len, m);
            facc = m;
          } else {
            scan_chunk<float, double>(op, buf, buf, len, facc);
          }
          store_f32(buf, len, dst, ddt, at, step);
        } else {
          int64_t buf[kChunk];
          load_i64(src, sdt, soff + at, step, len, buf);
          if (c0 == 0) iacc = op == CUMSUM ? 0 : op == CUMPROD ? 1 : buf[0];
          scan_chunk<int64_t, int64_t>(op, buf, buf, len, iacc);
          store_i64(buf, len, dst, ddt, at, step);
        }
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
