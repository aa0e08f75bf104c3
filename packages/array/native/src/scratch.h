// A 64-byte aligned float buffer kept from call to call and grown on demand: the
// products' packed panels and copies of A. Aligned so that a kernel's full-vector
// loads never straddle two cache lines (a split load costs two).
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace tl {

struct Scratch {
  float *p = nullptr;
  size_t n = 0;
  Scratch() = default;
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;
  ~Scratch() { std::free(p); }
  /** At least `want` floats, 64-byte aligned; valid until the next get. */
  float *get(size_t want) {
    if (want > n) {
      std::free(p);
      p = nullptr;
      n = (want + 1023) & ~size_t(1023);
      p = static_cast<float *>(std::aligned_alloc(64, n * sizeof(float)));
      if (p == nullptr) {
        n = 0;
        throw std::bad_alloc();
      }
    }
    return p;
  }
};

}  // namespace tl
