// ropeIntoCache on the CPU: plain C++ (the N-API entry is rope_into_cache_napi.cc).
// Reference only: the learner's addon has no such kernel.
//
// For each token (n, l) and head h of qkv (N x L x (H_q + 2 H_kv) x D): the bias of head h
// added, pair i of the head, (i, i + D/2) or (2i, 2i + 1) when traditional, turned by the
// token's row of the RoPE tables (y0 = x0 cos - x1 sin, y1 = x1 cos + x0 sin) for query and
// key heads, and the head stored: query heads into q (contiguous N x L x H_q x D), key
// heads into keys (n, h - H_q, l) and value heads into values (n, h - H_q - H_kv, l),
// the N x H_kv x L x D slots of a KV cache. Float32 throughout.
#pragma once
#include <cstdint>

namespace tl {

// Element (n, a, b, d) of a 4-d float32 operand is at data[n * s0 + a * s1 + b * s2 + d].
struct RopeOperand {
  float *data;
  int64_t s0, s1, s2;
};

struct RopeIntoCacheArgs {
  int64_t N, L, Hq, Hkv, D;
  RopeOperand qkv;                // (n, l, h, d)
  const float *bias;              // (H_q + 2 H_kv) * D, or null
  const float *cos, *sin;         // L x D/2, contiguous
  float *q;                       // N x L x H_q x D, contiguous
  RopeOperand keys, values;       // (n, h, l, d)
  bool traditional;
};

void rope_into_cache(const RopeIntoCacheArgs &a);

}  // namespace tl
