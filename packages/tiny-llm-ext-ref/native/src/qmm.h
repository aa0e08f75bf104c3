// The two quantized matmul kernels behind quantized_matmul (quantized_matmul_kernel.cc).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <type_traits>

#include "quantized_matmul.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/thread_pool.h"

namespace tl {

// Most rows of x that qmm_decode handles; more go to qmm_prefill.
constexpr int64_t kDecodeMaxM = 4;

// How far ahead of its reads a decode kernel prefetches each row's codes (prefetch_codes):
// the hardware prefetchers alone leave one core well short of the read bandwidth. Into
// L2, not L1: the codes are read once, while x's parts are read again for every row,
// and a stream of codes fetched into L1 evicts them once a row's parts outgrow a few
// KiB. On a Zen 4 EPYC (weights from memory, int8 x), 2 KiB ahead into L1 read 7B's
// down_proj (K = 18944: 18.5 KiB of parts) at 17-20 GB/s, 8 KiB ahead into L2 at 26-33;
// gate/up (K = 3584) 24-27 -> 29-37, 1.5B's down_proj 20-22 -> 25-29. Always inlined:
// GCC 12 finds a function that only prefetches free of side effects and deletes the
// calls to it that are still calls when it looks. With int_row inlined into int_rows
// every one went (one thread, gate/up from memory: 219-226 -> 264-281 us).
constexpr int64_t kDecodePrefetchBytes = 8192;
__attribute__((always_inline)) inline void prefetch_codes(const void *p) { __builtin_prefetch(static_cast<const char *>(p) + kDecodePrefetchBytes, 0, 2); }

// Calls f(bits, sdt) with the call's bits (4 or 8) and scales' dtype as
// std::integral_constant<int, ...>, so that f instantiates its kernel template for them
// (decltype(bits)::value): the kernels' one dispatch from run-time arguments to
// compiled instances.
template <typename F>
void dispatch_bits_sdt(const QuantizedMatmulArgs &a, F &&f) {
  using std::integral_constant;
  auto with_sdt = [&](auto bits) {
    if (a.sdt == F32) return f(bits, integral_constant<int, F32>{});
    if (a.sdt == F16) return f(bits, integral_constant<int, F16>{});
    return f(bits, integral_constant<int, BF16>{});
  };
  if (a.bits == 4) return with_sdt(integral_constant<int, 4>{});
  return with_sdt(integral_constant<int, 8>{});
}

// dispatch_bits_sdt for the decode kernels, which are also compiled per rows of x:
// calls f(bits, m, sdt), m the call's M (1 .. kDecodeMaxM).
template <typename F>
void dispatch_decode(const QuantizedMatmulArgs &a, F &&f) {
  dispatch_bits_sdt(a, [&](auto bits, auto sdt) {
    using std::integral_constant;
    switch (a.M) {
      case 1: return f(bits, integral_constant<int, 1>{}, sdt);
      case 2: return f(bits, integral_constant<int, 2>{}, sdt);
      case 3: return f(bits, integral_constant<int, 3>{}, sdt);
      default: return f(bits, integral_constant<int, 4>{}, sdt);
    }
  });
}

// Runs fn(o0, o1) over [0, O) in blocks of rows (row_bytes each), on the pool's threads
// when there are two blocks or more (below that, waking a thread costs more than it
// saves). Threads claim blocks as they come instead of taking a fixed share each: on a
// machine that other processes share, a thread that starts late or loses its core
// leaves its blocks to the others instead of holding the call up. A claim takes
// 1 / (kClaimsPerThread * threads) of the rows still unclaimed, and at least 32 KiB of
// weights (guided scheduling): the first blocks are long contiguous runs, which the
// hardware prefetchers stream (blocks of 32 KiB, two threads taking turns, read 7B's
// gate_proj at 0.6x of the contiguous halves' rate on a Zen 5 EPYC), and the last ones
// are short, so that a thread finishing first waits for little. (Equal blocks of an
// eighth left the calling thread waiting 4% of a 0.5B decode step on a Zen 4 EPYC;
// these, 1%.)
constexpr int64_t kClaimsPerThread = 2;
inline void parallel_rows(int64_t O, int64_t row_bytes, const std::function<void(int64_t, int64_t)> &fn) {
  const int64_t nt = num_threads();
  const int64_t min_rows = std::max<int64_t>(1, (int64_t(32) << 10) / std::max<int64_t>(row_bytes, 1));
  if (nt == 1 || O < 2 * min_rows) {
    fn(0, O);
    return;
  }
  std::atomic<int64_t> next{0};
  parallel_threads([&](int, int) {
    for (int64_t o0 = next.load(std::memory_order_relaxed); o0 < O;) {
      const int64_t o1 = std::min(O, o0 + std::max(min_rows, (O - o0) / (kClaimsPerThread * nt)));
      if (next.compare_exchange_weak(o0, o1, std::memory_order_relaxed)) {
        fn(o0, o1);
        o0 = next.load(std::memory_order_relaxed);
      }
    }
  });
}

// Few rows (decoding): streams the packed weights once, threads splitting the output
// features. Memory-bound: the goal is the machine's read bandwidth.
void qmm_decode(const QuantizedMatmulArgs &a);

// A decode step of a batch (kDecodeMaxM < M <= kBatchMaxM): reads the weights once,
// dequantized to float32 in registers and multiplied into every row. Compute-bound.
void qmm_batch(const QuantizedMatmulArgs &a);

// More than kDecodeMaxM rows with int8 activations (a.xq) and 4-bit codes, on x86: bytes
// times bytes, exact, for a batch's decode step and a prefill alike. Returns false, doing
// nothing, where it does not apply (then qmm_batch or qmm_prefill).
bool qmm_int8(const QuantizedMatmulArgs &a);

// Many rows (prefill): the array core's GEMM, with B panels dequantized on the fly
// into its cache-resident packing buffer. Compute-bound. Needs K > 0.
void qmm_prefill(const QuantizedMatmulArgs &a);

}  // namespace tl
