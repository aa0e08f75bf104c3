// Storage on cache-line (64-byte) boundaries, for buffers that kernels load in full
// vectors: from a 16-byte aligned malloc block, three of every four 64-byte loads
// straddle two cache lines, and each of those costs two loads.
// tl::CacheLineVector<T> is such a vector.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace tl {

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(size_t n) {
    void *p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const CacheLineAllocator<U> &) const { return true; }
  template <class U>
  bool operator!=(const CacheLineAllocator<U> &) const { return false; }
};

// A std::vector whose storage starts on a cache line.
template <class T>
using CacheLineVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace tl
