// take and takeAlongAxis (native.ts: NativeCore.take / takeAlongAxis). Indices are
// int32; a negative one counts from the end once (-1 is the last). All indices are
// checked before anything is written; the first bad one's position is returned
// (else -1).
#include <cstring>
#include <vector>

#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/strided.h"

namespace tl {
namespace {

// Normalises idx[0..n) into out; returns the first out-of-range position or -1.
int64_t check_indices(const int32_t *idx, int64_t n, int64_t len, std::vector<int64_t> &out) {
  out.resize(size_t(n));
  for (int64_t j = 0; j < n; ++j) {
    int64_t i = idx[j];
    i += i < 0 ? len : 0;
    if (i < 0 || i >= len) return j;
    out[size_t(j)] = i;
  }
  return -1;
}

template <typename T>
void along_rows(const T *src, const int64_t *ix, T *dst, int64_t outer, int64_t n, int64_t m, int64_t inner) {
  const int64_t rows = outer * m;  // one row = inner elements of one (o, j)
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, inner)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / m;
      const T *s = src + o * n * inner;
      const int64_t *q = ix + r * inner;
      T *d = dst + r * inner;
      for (int64_t i = 0; i < inner; ++i) d[i] = s[q[i] * inner + i];
    }
  });
}

}  // namespace

Napi::Value Take(const Napi::CallbackInfo &info) {
  const uint8_t *src = buffer_data(info[0]);
  const int64_t soff = int_arg(info[1]);
  const int dt = int(int_arg(info[2]));
  const int64_t outer = int_arg(info[3]), axis_len = int_arg(info[4]), inner = int_arg(info[5]);
  const int32_t *idx = reinterpret_cast<const int32_t *>(buffer_data(info[6])) + int_arg(info[7]);
  const int64_t nidx = int_arg(info[8]);
  uint8_t *dst = buffer_data(info[9]);
  std::vector<int64_t> ix;
  const int64_t bad = check_indices(idx, nidx, axis_len, ix);
  if (bad >= 0) return Napi::Number::New(info.Env(), double(bad));

  const int64_t isz = itemsize(dt), row_bytes = inner * isz;
  const uint8_t *s = src + soff * isz;
  parallel_for(outer * nidx, std::max<int64_t>(1, kGrain * 4 / std::max<int64_t>(1, row_bytes)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / nidx, j = r % nidx;
      const uint8_t *from = s + (o * axis_len + ix[size_t(j)]) * row_bytes;
      uint8_t *to = dst + r * row_bytes;
      switch (row_bytes) {  // single elements: no memcpy call
        case 4: std::memcpy(to, from, 4); break;
        case 2: std::memcpy(to, from, 2); break;
        case 1: *to = *from; break;
        default: std::memcpy(to, from, size_t(row_bytes));
      }
    }
  });
  return Napi::Number::New(info.Env(), -1);
}

Napi::Value TakeAlongAxis(const Napi::CallbackInfo &info) {
  const uint8_t *src = buffer_data(info[0]);
  const int64_t soff = int_arg(info[1]);
  const int dt = int(int_arg(info[2]));
  const int64_t outer = int_arg(info[3]), n = int_arg(info[4]), inner = int_arg(info[5]);
  const int32_t *idx = reinterpret_cast<const int32_t *>(buffer_data(info[6])) + int_arg(info[7]);
  const int64_t m = int_arg(info[8]);
  uint8_t *dst = buffer_data(info[9]);
  std::vector<int64_t> ix;
  const int64_t bad = check_indices(idx, outer * m * inner, n, ix);
  if (bad >= 0) return Napi::Number::New(info.Env(), double(bad));

  const int isz = itemsize(dt);
  if (isz == 4) along_rows(reinterpret_cast<const uint32_t *>(src) + soff, ix.data(), reinterpret_cast<uint32_t *>(dst), outer, n, m, inner);
  else if (isz == 2) along_rows(reinterpret_cast<const uint16_t *>(src) + soff, ix.data(), reinterpret_cast<uint16_t *>(dst), outer, n, m, inner);
  else along_rows(src + soff, ix.data(), dst, outer, n, m, inner);
  return Napi::Number::New(info.Env(), -1);
}

}  // namespace tl
