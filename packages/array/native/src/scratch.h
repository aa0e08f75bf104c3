// A float buffer on cache lines (tiny-llm/aligned.h) kept from call to call and grown on
// demand: the products' packed panels and copies of A, per thread.
#pragma once
#include <cstddef>
#include <vector>

#include "tiny-llm/aligned.h"

namespace tl {

struct Scratch {
  CacheLineVector<float> buf;
  /** At least `want` floats; valid until the next get. */
  float *get(size_t want) {
    if (want > buf.size()) buf.resize((want + 1023) & ~size_t(1023));
    return buf.data();
  }
};

}  // namespace tl
