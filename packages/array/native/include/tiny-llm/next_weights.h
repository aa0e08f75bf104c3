// Which weights a decode step reads next, learned from the order of its products, so
// that the pool's idle workers pull them toward the caches (prefetch_while_idle) while
// the calling thread runs the step's serial work between two products: norms, RoPE,
// attention, the JavaScript around each call. Memory would otherwise sit idle then.
//
// A decode step runs the same products in the same order every token, so the weights
// read after A last time are read after A again. A kernel keeps one NextWeights per
// calling thread and tells it, after each product, which bytes the product read.
#pragma once
#include <algorithm>
#include <unordered_map>

#include "thread_pool.h"

namespace tl {

class NextWeights {
 public:
  // Most spans a product reports (its weights, and scales and biases where it has them).
  static constexpr int kSpans = 3;
  // Bytes asked for after a product: the next product's weights and, while this lasts,
  // the one's after it. Beyond a share of the last-level cache the first lines would be
  // evicted before the product reads them. On a Xeon (family 6 model 207, two threads),
  // Qwen2-0.5B 4-bit, int8 x: 1, 4, 16 and 64 MiB all measured alike.
  static constexpr int64_t kBudget = int64_t(16) << 20;
  // Products remembered; past this (a process that loads model after model) the table
  // starts over.
  static constexpr size_t kMaxKeys = 4096;

  // After a product that read spans[0 .. n) (n <= kSpans; spans[0], its weights, the key).
  void read(const ByteSpan *spans, int n) {
    Product p{};
    p.n = std::min(n, kSpans);
    std::copy(spans, spans + p.n, p.spans);
    if (next_.size() >= kMaxKeys) next_.clear();
    if (last_ != nullptr) next_[last_] = p;
    last_ = spans[0].data;
    ByteSpan ask[kIdlePrefetchSpans];
    int k = 0;
    int64_t left = kBudget;
    for (const void *key = last_; left > 0 && k + kSpans <= kIdlePrefetchSpans;) {
      const auto it = next_.find(key);
      if (it == next_.end()) break;
      const Product &q = it->second;
      // A part of each span in proportion: the rows the product reads first.
      const double part = std::min(1.0, double(left) / double(std::max<int64_t>(1, q.spans[0].bytes)));
      for (int i = 0; i < q.n; ++i) ask[k++] = {q.spans[i].data, int64_t(double(q.spans[i].bytes) * part)};
      left -= q.spans[0].bytes;
      key = q.spans[0].data;
    }
    if (k > 0) prefetch_while_idle(ask, k);
  }

 private:
  struct Product {
    ByteSpan spans[kSpans];
    int n;
  };
  std::unordered_map<const void *, Product> next_;
  const void *last_ = nullptr;
};

}  // namespace tl
