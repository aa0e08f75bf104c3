// ropeIntoCache on the CPU (see rope_into_cache.h): a decode step's token is a few hundred
// values, one thread's work; a prefill's tokens are shared out between the threads.
#include "rope_into_cache.h"

#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

// Token t = n * L + l: its H_q + 2 H_kv heads.
void token(const RopeIntoCacheArgs &a, int64_t t) {
  const int64_t n = t / a.L, l = t % a.L, half = a.D / 2;
  const float *c = a.cos + l * half, *s = a.sin + l * half;
  for (int64_t h = 0; h < a.Hq + 2 * a.Hkv; ++h) {
    const float *x = a.qkv.data + n * a.qkv.s0 + l * a.qkv.s1 + h * a.qkv.s2;
    const float *b = a.bias == nullptr ? nullptr : a.bias + h * a.D;
    const RopeOperand &slots = h < a.Hq + a.Hkv ? a.keys : a.values;
    const int64_t kv = h < a.Hq + a.Hkv ? h - a.Hq : h - a.Hq - a.Hkv;
    float *y = h < a.Hq ? a.q + ((n * a.L + l) * a.Hq + h) * a.D : slots.data + n * slots.s0 + kv * slots.s1 + l * slots.s2;
    const bool turn = h < a.Hq + a.Hkv;  // queries and keys; values are only stored
    for (int64_t i = 0; i < half; ++i) {
      const int64_t d0 = a.traditional ? 2 * i : i, d1 = a.traditional ? 2 * i + 1 : i + half;
      const float x0 = x[d0] + (b == nullptr ? 0.0f : b[d0]), x1 = x[d1] + (b == nullptr ? 0.0f : b[d1]);
      y[d0] = turn ? x0 * c[i] - x1 * s[i] : x0;
      y[d1] = turn ? x1 * c[i] + x0 * s[i] : x1;
    }
  }
}

}  // namespace

void rope_into_cache(const RopeIntoCacheArgs &a) {
  parallel_for(a.N * a.L, 16, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) token(a, t);
  });
}

}  // namespace tl
