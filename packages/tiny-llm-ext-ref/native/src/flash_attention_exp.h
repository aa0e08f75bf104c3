// e^x for the online softmax, where x = score - running max is never positive: the
// array core's polynomial (tiny-llm/vmath.h, within ~2 ulp) with a single power of two,
// branch-free. Below -87 (and for -inf, a masked key) it gives exactly 0, so masked keys
// add nothing to a row's sum; NaN stays NaN. The vector form is what the tile's softmax
// runs (one vector of query rows at a time); the scalar one combines split-key chunks.
#pragma once
#include <cmath>
#include <cstdint>

#include "flash_attention_product.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/vmath.h"

namespace tl::flash {

inline float exp_nonpositive(float x) {
  float fn;
  const float p = exp_reduced(x == x && x > -87.0f ? x : 0.0f, fn);  // keeps the integer conversion defined
  const float res = p * bits_to_f32(uint32_t(int32_t(fn) + 127) << 23);  // n in [-126, 0]: a normal 2^n
  return x == x ? (x > -87.0f ? res : 0.0f) : x;
}

// Lane-wise a where mask (a vector compare's all-ones lanes), else b.
template <int V>
inline vec<V> select(ivec<V> mask, vec<V> a, vec<V> b) {
  return vec<V>((mask & ivec<V>(a)) | (~mask & ivec<V>(b)));
}

// Lane-wise std::max(a, b): a where b is NaN.
template <int V>
inline vec<V> max(vec<V> a, vec<V> b) {
  return select<V>(a < b, b, a);
}

// exp_nonpositive on every lane (written out: GCC left the scalar one unvectorised in the
// row loops, with branches, half of a decode step's attention time).
template <int V>
inline vec<V> exp_nonpositive(vec<V> x) {
  const ivec<V> live = (x == x) & (x > -87.0f);
  const vec<V> xc = select<V>(live, x, vec<V>{});
  const vec<V> y = xc * 1.44269504088896341f + 0.5f;
  const ivec<V> t = __builtin_convertvector(y, ivec<V>);  // toward zero; floor is one less below it
  const ivec<V> n = t + ivec<V>(__builtin_convertvector(t, vec<V>) > y);
  const vec<V> p = exp_of_remainder(xc, __builtin_convertvector(n, vec<V>));
  return select<V>(live, p * vec<V>((n + 127) << 23), select<V>(x == x, vec<V>{}, x));
}

}  // namespace tl::flash
