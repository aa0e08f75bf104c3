// A fixed pool of worker threads (TINY_LLM_NUM_THREADS, else one per core) and
// parallel_for, which splits [0, n) into contiguous chunks, one per thread.
#pragma once
#include <cstdint>
#include <functional>

namespace tl {

int num_threads();

// Runs fn(begin, end) over disjoint chunks covering [0, n). Work smaller than
// `grain` items per thread runs on the calling thread only.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &fn);

// Runs fn(t, nthreads) once on each of nthreads threads (t = 0..nthreads-1).
void parallel_threads(const std::function<void(int, int)> &fn);

}  // namespace tl
