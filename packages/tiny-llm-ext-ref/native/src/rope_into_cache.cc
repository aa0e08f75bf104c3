// ropeIntoCache on the CPU (see rope_into_cache.h): a decode step's token is a few hundred
// values, one thread's work; a prefill's tokens are shared out between the threads.
#include "rope_into_cache.h"

#include <algorithm>
#include <vector>

#include "tiny-llm/rope.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

// Token t = n * L + l: its H_q + 2 H_kv heads, each with its bias added (into xb, D floats).
void token(const RopeIntoCacheArgs &a, int64_t t, float *xb) {
  const int64_t n = t / a.L, l = t % a.L, half = a.D / 2;
  for (int64_t h = 0; h < a.Hq + 2 * a.Hkv; ++h) {
    const float *x = a.qkv.data + n * a.qkv.s0 + l * a.qkv.s1 + h * a.qkv.s2;
    if (a.bias != nullptr) {
      for (int64_t d = 0; d < a.D; ++d) xb[d] = x[d] + a.bias[h * a.D + d];
      x = xb;
    }
    const RopeOperand &slots = h < a.Hq + a.Hkv ? a.keys : a.values;
    const int64_t kv = h < a.Hq + a.Hkv ? h - a.Hq : h - a.Hq - a.Hkv;
    float *y = h < a.Hq ? a.q + (t * a.Hq + h) * a.D : slots.data + n * slots.s0 + kv * slots.s1 + l * slots.s2;
    if (h < a.Hq + a.Hkv)  // queries and keys; values are only stored
      rope_head(x, a.cos + l * half, a.sin + l * half, half, a.traditional, y);
    else
      std::copy_n(x, a.D, y);
  }
}

}  // namespace

void rope_into_cache(const RopeIntoCacheArgs &a) {
  parallel_for(a.N * a.L, 16, [&](int64_t t0, int64_t t1) {
    std::vector<float> xb(size_t(a.bias == nullptr ? 0 : a.D));
    for (int64_t t = t0; t < t1; ++t) token(a, t, xb.data());
  });
}

}  // namespace tl
