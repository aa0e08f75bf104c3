// Where a stream read once (a row of weights, the benchmark's plain read) asks for its
// next lines. On AMD's CPUs a non-temporal prefetch (prefetchnta) kept bf16 weights
// streaming fastest; on Intel's it brings lines into L1 through the core's few fill
// buffers (too few lines in flight, by our reading; a prefetch into L2 waits in L2's
// longer queue of misses), and was the slowest choice. A Xeon (family 6 model 207), two
// threads, a plain read of 1 GiB: 22 GB/s with the hardware prefetchers alone, 27-30
// prefetching 8 KiB ahead into L2, 11.5 non-temporally.
#pragma once

namespace tl {

// Whether this CPU streams faster prefetching into L2 (prefetcht1) than non-temporally:
// Intel's. Asked once.
inline bool stream_prefetch_into_l2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool intel = __builtin_cpu_is("intel");
  return intel;
#else
  return false;
#endif
}

}  // namespace tl
