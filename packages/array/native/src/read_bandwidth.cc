// readBandwidth: the plain memory-read reference for the benchmark (see native.ts).
// Every thread sums its share of the buffer with wide integer adds (so the loads
// cannot be optimised away and no floating-point work slows them), `iters` times. On
// Intel's CPUs it also asks for its lines 8 KiB ahead into L2 (tiny-llm/prefetch.h):
// there the hardware prefetchers alone fall a fifth short, and a kernel that prefetches
// so (the bf16 GEMV) would beat the reference it is measured against.
#include <atomic>
#include <chrono>
#include <cstring>

#include "tiny-llm/napi_args.h"
#include "tiny-llm/prefetch.h"
#include "ops.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

typedef uint64_t v4du __attribute__((vector_size(32)));

std::atomic<uint64_t> g_sink{0};

constexpr size_t kPrefetchBytes = 8192;

template <bool kPrefetch>
uint64_t read_range(const uint8_t *p, size_t n) {
  v4du s0 = {}, s1 = {}, s2 = {}, s3 = {};
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    if (kPrefetch) {
      __builtin_prefetch(p + i + kPrefetchBytes, 0, 2);
      __builtin_prefetch(p + i + kPrefetchBytes + 64, 0, 2);
    }
    v4du a, b, c, d;
    std::memcpy(&a, p + i, 32);
    std::memcpy(&b, p + i + 32, 32);
    std::memcpy(&c, p + i + 64, 32);
    std::memcpy(&d, p + i + 96, 32);
    s0 += a;
    s1 += b;
    s2 += c;
    s3 += d;
  }
  v4du s = s0 + s1 + s2 + s3;
  uint64_t r = s[0] + s[1] + s[2] + s[3];
  for (; i < n; ++i) r += p[i];
  return r;
}

}  // namespace

Napi::Value ReadBandwidth(const Napi::CallbackInfo &info) {
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  const uint8_t *data = static_cast<const uint8_t *>(ab.Data());
  const size_t bytes = ab.ByteLength();
  const int64_t iters = info.Length() > 1 ? int_arg(info[1]) : 1;
  const bool into_l2 = stream_prefetch_into_l2();
  auto t0 = std::chrono::steady_clock::now();
  parallel_threads([&](int t, int nt) {
    // 64-byte aligned shares.
    size_t lines = bytes / 64;
    size_t b = lines * size_t(t) / size_t(nt) * 64, e = lines * size_t(t + 1) / size_t(nt) * 64;
    if (t == nt - 1) e = bytes;
    uint64_t acc = 0;
    for (int64_t it = 0; it < iters; ++it) acc += into_l2 ? read_range<true>(data + b, e - b) : read_range<false>(data + b, e - b);
    g_sink.fetch_add(acc, std::memory_order_relaxed);
  });
  auto t1 = std::chrono::steady_clock::now();
  return Napi::Number::New(info.Env(), std::chrono::duration<double>(t1 - t0).count());
}

}  // namespace tl
