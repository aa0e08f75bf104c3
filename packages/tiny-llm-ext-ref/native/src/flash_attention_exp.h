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

typedef int32_t ilanes __attribute__((vector_size(kLanes * sizeof(int32_t))));

// Lane-wise a where mask (a vector compare's all-ones lanes), else b.
inline lanes select(ilanes mask, lanes a, lanes b) { return lanes((mask & ilanes(a)) | (~mask & ilanes(b))); }

// Lane-wise std::max(a, b): a where b is NaN.
inline lanes max(lanes a, lanes b) { return select(a < b, b, a); }

// exp_nonpositive on every lane (written out: GCC left the scalar one unvectorised in the
// row loops, with branches, half of a decode step's attention time).
inline lanes exp_nonpositive(lanes x) {
  const ilanes live = (x == x) & (x > -87.0f);
  const lanes xc = select(live, x, lanes{});
  const lanes y = xc * 1.44269504088896341f + 0.5f;
  const ilanes t = __builtin_convertvector(y, ilanes);  // toward zero; floor is one less below it
  const ilanes n = t + ilanes(__builtin_convertvector(t, lanes) > y);
  const lanes p = exp_of_remainder(xc, __builtin_convertvector(n, lanes));
  return select(live, p * lanes((n + 127) << 23), select(x == x, lanes{}, x));
}

}  // namespace tl::flash
