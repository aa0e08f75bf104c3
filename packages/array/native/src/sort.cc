// argsort and topkIndices over the rows of a contiguous rows x n block (native.ts:
// NativeCore.argsort / topkIndices). Each element becomes one 64-bit key: an order-
// preserving 32-bit image of its value (NaN above everything, -0 equal to +0;
// complemented for descending order) over its 32-bit index. Distinct keys make
// std::sort give the stable order (ties by lower index), with NaN last ascending
// and first descending, as numpy; topk takes the k smallest keys of the descending
// order with nth_element.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {
namespace {

// Ascending-order image of a row's values.
void row_keys(const uint8_t *src, int dt, int64_t off, int64_t n, bool descending, std::vector<uint64_t> &keys) {
  keys.resize(size_t(n));
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    uint32_t k32[kChunk];
    if (is_float(dt)) {
      float buf[kChunk];
      const float *x = row_f32(src, dt, off + c0, 1, len, buf);
      for (int64_t i = 0; i < len; ++i) {
        const uint32_t u = f32_to_bits(x[i] + 0.0f);  // -0 -> +0
        const uint32_t k = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
        k32[i] = x[i] != x[i] ? 0xffffffffu : k;
      }
    } else {
      int64_t buf[kChunk];
      load_i64(src, dt, off + c0, 1, len, buf);
      const uint32_t flip = dt == I32 ? 0x80000000u : 0u;  // other ints are >= 0
      for (int64_t i = 0; i < len; ++i) k32[i] = uint32_t(buf[i]) ^ flip;
    }
    for (int64_t i = 0; i < len; ++i) {
      const uint32_t k = descending ? ~k32[i] : k32[i];
      keys[size_t(c0 + i)] = (uint64_t(k) << 32) | uint64_t(c0 + i);
    }
  }
}

struct RowArgs {
  const uint8_t *src;
  int64_t off;
  int dt;
  int32_t *dst;
  int64_t rows, n;
};

RowArgs row_args(const Napi::CallbackInfo &info) {
  return RowArgs{buffer_data(info[0]), int_arg(info[1]), int(int_arg(info[2])),
                 reinterpret_cast<int32_t *>(buffer_data(info[3])), int_arg(info[4]), int_arg(info[5])};
}

int64_t sort_grain(int64_t n) { return std::max<int64_t>(1, kGrain / 8 / std::max<int64_t>(1, n)); }

}  // namespace

Napi::Value Argsort(const Napi::CallbackInfo &info) {
  RowArgs a = row_args(info);
  const bool descending = info[6].As<Napi::Boolean>().Value();
  if (a.rows <= 0 || a.n <= 0) return info.Env().Undefined();
  parallel_for(a.rows, sort_grain(a.n), [&](int64_t r0, int64_t r1) {
    std::vector<uint64_t> keys;
    for (int64_t r = r0; r < r1; ++r) {
      row_keys(a.src, a.dt, a.off + r * a.n, a.n, descending, keys);
      std::sort(keys.begin(), keys.end());
      int32_t *y = a.dst + r * a.n;
      for (int64_t i = 0; i < a.n; ++i) y[i] = int32_t(uint32_t(keys[size_t(i)]));
    }
  });
  return info.Env().Undefined();
}

Napi::Value TopkIndices(const Napi::CallbackInfo &info) {
  RowArgs a = row_args(info);
  const int64_t k = int_arg(info[6]);
  if (a.rows <= 0 || k <= 0) return info.Env().Undefined();
  const int64_t kk = std::min(k, a.n);
  parallel_for(a.rows, sort_grain(a.n), [&](int64_t r0, int64_t r1) {
    std::vector<uint64_t> keys;
    for (int64_t r = r0; r < r1; ++r) {
      row_keys(a.src, a.dt, a.off + r * a.n, a.n, /*descending=*/true, keys);
      if (kk < a.n) std::nth_element(keys.begin(), keys.begin() + kk, keys.end());
      std::sort(keys.begin(), keys.begin() + kk);
      int32_t *y = a.dst + r * k;
      for (int64_t i = 0; i < kk; ++i) y[i] = int32_t(uint32_t(keys[size_t(i)]));
      for (int64_t i = kk; i < k; ++i) y[i] = -1;  // k > n: no such element
    }
  });
  return info.Env().Undefined();
}

}  // namespace tl
