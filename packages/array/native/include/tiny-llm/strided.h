// Strided N-d iteration shared by the elementwise kernels (copy, unary, binary,
// where). A shape and K operands' strides are first collapsed: size-1 dimensions are
// dropped and neighbouring dimensions merged wherever every operand is contiguous
// across them, so rows are as long as possible. for_each_row then hands every
// innermost row, split into pieces of at most max_len elements, to a callback with
// the K element offsets of its first element and the K inner strides. Work is split
// across the thread pool by flat element index, so even a single long row is shared.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "dtype.h"
#include "thread_pool.h"

namespace tl {

// Below 2 * kGrain elements an elementwise kernel runs on the calling thread only.
constexpr int64_t kGrain = 16384;

template <int K>
struct Layout {
  std::vector<int64_t> shape;                  // collapsed; at least one dimension
  std::vector<std::array<int64_t, K>> strides;  // per dimension, per operand
  int64_t size = 1;                            // number of elements
};

template <int K>
Layout<K> collapse(const std::vector<int64_t> &shape, const std::array<const std::vector<int64_t> *, K> &strides) {
  Layout<K> l;
  for (int64_t d : shape) l.size *= d;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    std::array<int64_t, K> s;
    for (int k = 0; k < K; ++k) s[k] = (*strides[k])[d];
    if (!l.shape.empty()) {
      bool merge = true;
      for (int k = 0; k < K; ++k) merge = merge && l.strides.back()[k] == s[k] * shape[d];
      if (merge) {
        l.shape.back() *= shape[d];
        l.strides.back() = s;
        continue;
      }
    }
    l.shape.push_back(shape[d]);
    l.strides.push_back(s);
  }
  if (l.shape.empty()) {
    l.shape.push_back(1);
    l.strides.push_back(std::array<int64_t, K>{});
  }
  return l;
}

// fn(const std::array<int64_t, K> &offsets, int64_t len, const std::array<int64_t, K> &strides)
template <int K, typename Fn>
void for_each_row(const Layout<K> &l, const std::array<int64_t, K> &base, int64_t grain, int64_t max_len, Fn &&fn) {
  if (l.size <= 0) return;
  const int nd = int(l.shape.size());
  const int64_t L = l.shape[nd - 1];
  const std::array<int64_t, K> is = l.strides[nd - 1];
  parallel_for(l.size, grain, [&](int64_t begin, int64_t end) {
    // Multi-index of the first row over the outer dimensions, and its offsets.
    std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
    std::array<int64_t, K> off = base;
    int64_t r = begin / L, col = begin % L;
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = r % l.shape[d];
      r /= l.shape[d];
      for (int k = 0; k < K; ++k) off[k] += idx[d] * l.strides[d][k];
    }
    int64_t pos = begin;
    while (pos < end) {
      const int64_t row_end = std::min(L, col + (end - pos));
      for (int64_t c = col, len; c < row_end; c += len) {
        len = std::min(max_len, row_end - c);
        std::array<int64_t, K> o;
        for (int k = 0; k < K; ++k) o[k] = off[k] + c * is[k];
        fn(o, len, is);
      }
      pos += row_end - col;
      col = 0;
      for (int d = nd - 2; d >= 0; --d) {  // next row
        for (int k = 0; k < K; ++k) off[k] += l.strides[d][k];
        if (++idx[d] < l.shape[d]) break;
        for (int k = 0; k < K; ++k) off[k] -= l.strides[d][k] * l.shape[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace tl
