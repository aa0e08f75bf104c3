// The array core's pool of worker threads (TINY_LLM_NUM_THREADS, else one per core)
// and parallel_for, which splits [0, n) into contiguous chunks, one per thread.
//
// There is one pool per process: an extension built against these headers reaches
// the array core's pool (see core_api.h), so that kernels of both never compete for
// cores with two sets of spinning workers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

namespace tl {

int num_threads();

// Runs fn(t, nthreads) once for each t = 0..nthreads-1, on up to nthreads threads at
// once: the calling thread and the pool's workers claim the t's as they come, so a
// worker that another process keeps off its core never holds the call up (the caller
// runs its t). fn(t) must therefore not wait for another t to start (no barriers
// between t's); per-t scratch indexed by t is fine. One job at a time: do not call it
// from inside fn, and
// do not throw from fn.
void parallel_threads(const std::function<void(int, int)> &fn);

// Bytes [data, data + bytes), for prefetch_while_idle.
struct ByteSpan {
  const void *data;
  int64_t bytes;
};

// Most spans one prefetch_while_idle request holds.
constexpr int kIdlePrefetchSpans = 8;

// Asks the pool's workers to pull `spans` (n <= kIdlePrefetchSpans, the rest ignored)
// into their caches, a page at a time, while they wait for their next job, and returns
// at once; a later request replaces it. For what a decode step reads next
// (tiny-llm/next_weights.h): between two weight products the calling thread runs the
// step's small serial work alone (norms, attention, JavaScript) while memory sits idle.
void prefetch_while_idle(const ByteSpan *spans, int n);

// Bytes the workers have prefetched for prefetch_while_idle since the process started.
int64_t idle_prefetched_bytes();

// Runs fn(begin, end) over disjoint chunks covering [0, n). Work smaller than
// `grain` items per thread runs on the calling thread only.
inline void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0) return;
  const int nt = num_threads();
  const int64_t g = std::max<int64_t>(grain, 1);
  if (nt == 1 || n < 2 * g) {
    fn(0, n);
    return;
  }
  const int64_t parts = std::min<int64_t>(nt, n / g);
  parallel_threads([&](int t, int) {
    if (t >= parts) return;
    const int64_t begin = n * t / parts, end = n * (t + 1) / parts;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace tl
