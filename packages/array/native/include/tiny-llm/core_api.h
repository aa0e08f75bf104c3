// The array core's services to extensions, as a table of C function pointers.
//
// Each native addon is its own shared library, loaded privately: an extension cannot
// link against the array core's symbols. So the array core hands this table to an
// extension when @tiny-llm/array's loadNativeExtension loads it, and the extension's
// copy of ext/core_link.cc defines the functions of thread_pool.h (num_threads,
// parallel_threads, prefetch_while_idle, idle_prefetched_bytes) and tl::gemm_packed_b
// (gemm.h) by calling through it. An extension therefore uses the one thread pool of
// the process, and the same GEMM.
#pragma once
#include <cstdint>

#include "gemm.h"
#include "thread_pool.h"

// Bumped whenever the table or the types it passes change; an extension built
// against another version is refused at load (rebuild it).
#define TL_CORE_ABI_VERSION 2

extern "C" {

struct tl_core_api {
  uint32_t abi_version;
  int (*num_threads)(void);
  // Runs fn(ctx, t, n) once for each t < n, n the pool's size (see parallel_threads).
  void (*parallel_threads)(void (*fn)(void *ctx, int t, int n), void *ctx);
  void (*gemm_packed_b)(int64_t M, int64_t N, int64_t K, const tl::MatRef *A, const tl::PackB *B, float *C,
                        int64_t ldc);
  void (*prefetch_while_idle)(const tl::ByteSpan *spans, int n);
  int64_t (*idle_prefetched_bytes)(void);
};

}  // extern "C"
