// Small-M matrix products without packing (see gemv.h).
//
// Transposed weights (B(k, n) = W[n, k], W row-major: the x @ W.T of every linear
// layer): each output is a dot product of a contiguous weight row with a row of A.
// A block of weight rows is read (in its own dtype, widened to float32 in registers)
// and multiplied with every row of A while it sits in L1 (one row of A, decode: a
// weight row at a time, see dot_rows); threads take disjoint ranges of weight rows.
//
// Row-major B: for a chunk of output columns, accumulate x[k] * B[k, chunk] over k
// (an axpy per row of B, four rows at a time); threads take disjoint column chunks.
#include "gemv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>

#include "tiny-llm/prefetch.h"
#include "tiny-llm/thread_pool.h"

#include "scratch.h"

namespace tl {
namespace {

using simd::v8sf;

// ------------------------------------------------------------- transposed B

// A vector of W floats: loads of a weight row's elements (dtype DT) and of x's floats.
template <int W>
struct Vec;
template <>
struct Vec<8> {
  using T = simd::v8sf;
  template <int DT>
  static T weights(const void *p) { return simd::load8<DT>(p); }
  static T x(const float *p) { return simd::loadu(p); }
};
#if defined(__AVX512F__)
template <>
struct Vec<16> {
  using T = simd::vwsf;
  template <int DT>
  static T weights(const void *p) { return simd::load_wide<DT>(p); }
  // Pinned to a register: GCC would otherwise fold this load into each of the block's
  // RB FMAs that use it, one load per FMA, and the loads bound the block.
  static T x(const float *p) {
    T v = simd::loadu_wide(p);
    asm("" : "+v"(v));
    return v;
  }
};
#endif

// Calls f(std::integral_constant<int, I>{}) for I = 0 .. N-1.
template <int N, int I = 0, class F>
inline void static_for(const F &f) {
  if constexpr (I < N) {
    f(std::integral_constant<int, I>{});
    static_for<N, I + 1>(f);
  }
}

// A row of x read alone against bfloat16 weights (see dot_rows) takes the weights in
// pairs of 8-float vectors: one 32-byte load of 16 weights, whose even weights are the
// low halves of its 32-bit lanes shifted up and whose odd ones are the high halves
// masked (one instruction each, where widening 8 weights takes a widening load and a
// shift), against x's floats laid out to match (split_x). Half H of the pair at p.
template <int H>
inline simd::v8sf bf16_half(const void *p) {
  simd::v8su u;
  std::memcpy(&u, p, sizeof u);
  u = H == 0 ? u << 16 : u & 0xFFFF0000u;
  simd::v8sf f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

// How far ahead a row read alone prefetches its weights: non-temporal (prefetchnta) on
// AMD's CPUs, into L2 on Intel's (stream_prefetch_into_l2). Zen 5 EPYC, bf16 from
// memory, two threads, GB/s against a plain read measured beside it: 7B's gate/up
// (18944 x 3584) 54 with the hardware prefetchers alone, 61 prefetching 4 KiB ahead
// into L2, 64-66 non-temporal 4 KiB ahead, 73-75 8 KiB ahead (read 71-73); the head
// (151936 x 896) 57 -> 74 (read 69-71). A Xeon (family 6 model 207), the same, median of
// 6 rounds over copies larger than its L3: gate/up 13.7-17.0 non-temporal -> 23.7-30.2
// into L2, the head 16.5-18.4 -> 25.9-29.3; 2 KiB ahead into L2 23.3-24.0 for both.
constexpr int64_t kRowAlonePrefetchBytes = 8192;

// The elements a row read alone takes per step (8-float vectors, four accumulators):
// split_x lays out x's whole steps for bf16_half.
constexpr int64_t kRowAloneStep = 32;

// C[m, n + r] for m < MB, r < RB: dot products of x rows (contiguous, row stride
// ldx, K floats) with weight rows w + r*ldw (K elements of dtype DT). One row of x is
// bound by reading the weights, and streams them faster in 8-float vectors; more rows
// take the build's widest (16 floats with AVX-512), where a weight's conversion and its
// FMAs are half the instructions (0.5B bf16 products of 8 rows: 73-75 -> 55-68 ms a step).
template <int DT, int MB, int RB, bool SPLIT = false>
inline void dot_block(int64_t K, const float *x, int64_t ldx, const void *w, int64_t ldw, float *c, int64_t ldc) {
  constexpr int W = MB == 1 ? 8 : simd::kWideLanes;
  using V = Vec<W>;
  using vf = typename V::T;
  const void *wr[RB];
  for (int r = 0; r < RB; ++r) wr[r] = simd::elem_ptr(w, DT, r * ldw);
  // One row against one weight row is decode's whole product (see dot_rows): four
  // accumulator sets hide the FMA latency there, two where there are few rows.
  constexpr bool kOneByOne = MB == 1 && RB == 1;
  constexpr int U = kOneByOne ? 4 : (MB * RB <= 4) ? 2 : 1;
  static_assert(!SPLIT || (kOneByOne && DT == BF16 && W * U == kRowAloneStep), "split_x lays out x in the steps of a bf16 row read alone");
  vf acc[U][MB][RB];
  for (int u = 0; u < U; ++u)
    for (int m = 0; m < MB; ++m)
      for (int r = 0; r < RB; ++r) acc[u][m][r] = vf{};
  // Vector u of a step at k: weights of row r, in order or (SPLIT) half u % 2 of pair u / 2.
  const auto weights = [&](int r, int64_t k, auto u) {
    constexpr int I = decltype(u)::value;
    if constexpr (SPLIT) return bf16_half<I % 2>(simd::elem_ptr(wr[r], DT, k + 2 * W * (I / 2)));
    else return V::template weights<DT>(simd::elem_ptr(wr[r], DT, k + W * I));
  };
  const bool into_l2 = kOneByOne && stream_prefetch_into_l2();
  int64_t k = 0;
  for (; k + W * U <= K; k += W * U) {
    // A row read alone: kRowAlonePrefetchBytes ahead. Blocks: the same place in the next
    // block's rows: with short rows (K = 896 at Qwen2-0.5B) the hardware prefetchers
    // alone leave a core well short of the read bandwidth when several rows are read
    // side by side. Into L2 (locality 2), where the weights wait without evicting
    // x's rows from L1 (Zen 4, bf16 from memory: 0.5B's down 24.9 -> 27.5 GB/s, 7B's
    // 32.4 -> 37.5, against prefetches into L1).
    if (kOneByOne) {
      const char *ahead = static_cast<const char *>(simd::elem_ptr(wr[0], DT, k)) + kRowAlonePrefetchBytes;
      if (into_l2)
        __builtin_prefetch(ahead, 0, 2);
      else
        __builtin_prefetch(ahead, 0, 0);
    } else
      for (int r = 0; r < RB; ++r) __builtin_prefetch(simd::elem_ptr(wr[r], DT, k + RB * ldw), 0, 2);
    static_for<U>([&](auto u) {
      vf wv[RB];
      for (int r = 0; r < RB; ++r) wv[r] = weights(r, k, u);
      for (int m = 0; m < MB; ++m) {
        vf xv = V::x(x + m * ldx + k + W * u);
        for (int r = 0; r < RB; ++r) acc[u][m][r] += xv * wv[r];
      }
    });
  }
  for (; k + W <= K; k += W) {
    vf wv[RB];
    for (int r = 0; r < RB; ++r) wv[r] = V::template weights<DT>(simd::elem_ptr(wr[r], DT, k));
    for (int m = 0; m < MB; ++m) {
      vf xv = V::x(x + m * ldx + k);
      for (int r = 0; r < RB; ++r) acc[0][m][r] += xv * wv[r];
    }
  }
  for (int m = 0; m < MB; ++m) {
    for (int r = 0; r < RB; ++r) {
      vf s = acc[0][m][r];
      for (int u = 1; u < U; ++u) s += acc[u][m][r];
      float t = simd::hsum(s);
      for (int64_t kk = k; kk < K; ++kk) t += x[m * ldx + kk] * simd::load1<DT>(wr[r], kk);
      c[m * ldc + r] = t;
    }
  }
}

// Weight rows [n0, n1) against all MB rows of x in one pass, RB weight rows at a time
// and the rest two and one at a time.
template <int DT, int MB, int RB, bool SPLIT = false>
void dot_rows_one_pass(int64_t n0, int64_t n1, int64_t K, const float *x, int64_t ldx, const MatRef &B, float *C, int64_t ldc) {
  const auto block = [&](auto rows, int64_t n) {
    dot_block<DT, MB, decltype(rows)::value, SPLIT>(K, x, ldx, simd::elem_ptr(B.data, DT, B.off + n * B.cs), B.cs, C + n, ldc);
  };
  int64_t n = n0;
  for (; n + RB <= n1; n += RB) block(std::integral_constant<int, RB>{}, n);
  if constexpr (RB > 2)
    for (; n + 2 <= n1; n += 2) block(std::integral_constant<int, 2>{}, n);
  for (; n < n1; ++n) block(std::integral_constant<int, 1>{}, n);
}

// Calls f(std::integral_constant<int, M>{}) for M in 1..kGemvMaxM.
template <class F>
void with_rows(int64_t M, const F &f) {
  switch (M) {
    case 1: return f(std::integral_constant<int, 1>{});
    case 2: return f(std::integral_constant<int, 2>{});
    case 3: return f(std::integral_constant<int, 3>{});
    case 4: return f(std::integral_constant<int, 4>{});
    case 5: return f(std::integral_constant<int, 5>{});
    case 6: return f(std::integral_constant<int, 6>{});
    case 7: return f(std::integral_constant<int, 7>{});
    default: return f(std::integral_constant<int, 8>{});
  }
}

// Weight rows [n0, n1) against all M rows of x. Each block of weight rows stays in L1
// while the rows of x pass over it.
//
// One row of x (decode) against weight rows of up to kRowAloneMaxK elements: one weight
// row at a time, so that each thread reads its range of rows front to back, one
// sequential stream as a plain read is, prefetched non-temporally
// (kRowAlonePrefetchBytes), bfloat16 in halves (bf16_half). Longer rows: 8 at a time,
// each prefetched a block ahead, x read once a block; a row's x no longer sits in L1
// beside the streaming weights, and reading it again for every row costs more than the
// interleaved streams do. Two threads (Zen 4), bf16, from memory, against a plain read
// of as many bytes, when blocks prefetched into L1: Qwen2-0.5B's head (151936 x 896)
// 0.63-0.68x in blocks of 4 or 8 -> 0.91-1.06x a row at a time; 7B's gate/up (18944 x
// 3584) 0.80-0.93x in blocks of 4, 0.84-0.97x of 8, 0.82-1.01x a row at a time. With the blocks' prefetch
// into L2 the two are even for one row (head 30.0 against 31.0 GB/s).
//
// Two to eight rows of x (a speculative verify, a batch's decode step) take the blocks
// below at every K. Before their prefetch went to L2, the rows of x took one weight row
// at a time up to 5 rows (0.5B decode step of M rows in bf16: M = 2 54.5 -> 34.4 ms, 5
// 58.5 -> 50.7); after, the blocks are faster (Zen 4, bf16 from memory, GB/s, a weight
// row at a time -> blocks): 0.5B gate/up (4864 x 896) M = 2 18.7 -> 25.5, 3 16.5 ->
// 25.4, 4 14.5 -> 23.7, 5 14.8 -> 22.4; the head M = 2 23.3 -> 32.2, 5 17.0 -> 30.0; on
// AVX2 (16 registers) gate/up M = 2 18.3 -> 27.0, 5 15.3 -> 17.3, the head 21.8 -> 38.5,
// 17.3 -> 20.0.
//
// Long rows read alone, halves and prefetches as above, were 10-13% faster than the
// blocks on a Zen 5 EPYC (bf16 from memory: 896 x 4864 34 -> 38.5 GB/s, 3584 x 18944 50
// -> 55); not measured on Zen 4, where the blocks had won, so the blocks stay.
//
// AVX-512 (32 registers): all M rows in one pass, against as many weight rows as the
// registers hold with the sums (MB x RB), the weights (RB) and one row of x: each weight
// is widened once and each x vector loaded once per block. Qwen2-0.5B-shaped bf16
// products streaming 557 MB on two threads, ms for M = 2..8 rows, before (blocks of 4 x 2
// and 2 x 4, x rows not on cache lines) -> after: 13.6 -> 11.4, 17.6 -> 11.5, 19.7 ->
// 13.0, 21.6 -> 13.4, 24.9 -> 14.1, 28.4 -> 15.9, 32.6 -> 17.0 (one row: 11.1-12.4).
//
// Elsewhere (16 registers): 4 weight rows at a time, the rows of x four at a time and the
// last one to three together. Widening a weight to float32 costs as much as the products
// of about two rows on AVX2, so the last three go in one pass (as 2+1 they took 1.2-1.4x
// as long, at Qwen2-0.5B's shapes in bf16); eight rows in one pass were slower than two
// of four (too many loads of x per weight).
constexpr int64_t kRowAloneMaxK = 4096;

// Whether M rows of x against weight rows of K elements are read a weight row at a time
// (dot_rows), where bfloat16 weights take x split for bf16_half (gemv, split_x).
inline bool reads_rows_alone(int64_t M, int64_t K) { return M == 1 && K <= kRowAloneMaxK; }

#if defined(__AVX512F__)
// Weight rows a one-pass block takes against MB rows of x: as many as the 32 registers hold
// with the sums (MB x RB), the weights (RB) and one row of x.
constexpr int one_pass_rows(int MB) { return MB == 3 ? 6 : MB <= 6 ? 4 : 3; }
#else
// The blocks of 16 registers (see dot_rows) for any M.
template <int DT>
void dot_rows_blocks(int64_t M, int64_t n0, int64_t n1, int64_t K, const float *x, int64_t ldx, const MatRef &B, float *C, int64_t ldc) {
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) {
    const void *w = simd::elem_ptr(B.data, DT, B.off + n * B.cs);
    const void *w2 = simd::elem_ptr(B.data, DT, B.off + (n + 2) * B.cs);
    int64_t m = 0;
    for (; m + 4 <= M; m += 4) {
      dot_block<DT, 4, 2>(K, x + m * ldx, ldx, w, B.cs, C + m * ldc + n, ldc);
      dot_block<DT, 4, 2>(K, x + m * ldx, ldx, w2, B.cs, C + m * ldc + n + 2, ldc);
    }
    switch (M - m) {
      case 3:
        dot_block<DT, 3, 2>(K, x + m * ldx, ldx, w, B.cs, C + m * ldc + n, ldc);
        dot_block<DT, 3, 2>(K, x + m * ldx, ldx, w2, B.cs, C + m * ldc + n + 2, ldc);
        break;
      case 2: dot_block<DT, 2, 4>(K, x + m * ldx, ldx, w, B.cs, C + m * ldc + n, ldc); break;
      case 1: dot_block<DT, 1, 4>(K, x + m * ldx, ldx, w, B.cs, C + m * ldc + n, ldc); break;
      default: break;
    }
  }
  for (; n < n1; ++n) {
    const void *w = simd::elem_ptr(B.data, DT, B.off + n * B.cs);
    for (int64_t m = 0; m < M; ++m) dot_block<DT, 1, 1>(K, x + m * ldx, ldx, w, B.cs, C + m * ldc + n, ldc);
  }
}
#endif

template <int DT>
void dot_rows(int64_t M, int64_t n0, int64_t n1, int64_t K, const float *x, int64_t ldx, const MatRef &B, float *C, int64_t ldc) {
  with_rows(M, [&](auto rows) {
    constexpr int MB = decltype(rows)::value;
    if constexpr (MB == 1) {
      if (reads_rows_alone(MB, K)) return dot_rows_one_pass<DT, 1, 1, DT == BF16>(n0, n1, K, x, ldx, B, C, ldc);
      dot_rows_one_pass<DT, 1, 8>(n0, n1, K, x, ldx, B, C, ldc);
    } else {
#if defined(__AVX512F__)
      dot_rows_one_pass<DT, MB, one_pass_rows(MB)>(n0, n1, K, x, ldx, B, C, ldc);
#else
      dot_rows_blocks<DT>(M, n0, n1, K, x, ldx, B, C, ldc);
#endif
    }
  });
}

// ------------------------------------------------------------- row-major B

constexpr int64_t kColChunk = 512;

// C[0:M, n0:n1] = x (M x K, contiguous) @ B[:, n0:n1] with B rows contiguous.
template <int DT>
void axpy_cols(int64_t M, int64_t n0, int64_t n1, int64_t K, const float *x, int64_t ldx, const MatRef &B, float *C, int64_t ldc) {
  alignas(64) float y[kGemvMaxM * kColChunk];
  for (int64_t c0 = n0; c0 < n1; c0 += kColChunk) {
    const int64_t nb = std::min(kColChunk, n1 - c0);
    const int64_t nv = nb / 8 * 8;
    std::fill(y, y + M * kColChunk, 0.0f);
    int64_t k = 0;
    for (; k + 4 <= K; k += 4) {
      const void *b0 = simd::elem_ptr(B.data, DT, B.off + k * B.rs + c0);
      const void *b1 = simd::elem_ptr(b0, DT, B.rs);
      const void *b2 = simd::elem_ptr(b0, DT, 2 * B.rs);
      const void *b3 = simd::elem_ptr(b0, DT, 3 * B.rs);
      for (int64_t j = 0; j < nv; j += 8) {
        v8sf v0 = simd::load8<DT>(simd::elem_ptr(b0, DT, j));
        v8sf v1 = simd::load8<DT>(simd::elem_ptr(b1, DT, j));
        v8sf v2 = simd::load8<DT>(simd::elem_ptr(b2, DT, j));
        v8sf v3 = simd::load8<DT>(simd::elem_ptr(b3, DT, j));
        for (int64_t m = 0; m < M; ++m) {
          const float *xm = x + m * ldx + k;
          float *ym = y + m * kColChunk + j;
          simd::storeu(ym, simd::loadu(ym) + xm[0] * v0 + xm[1] * v1 + xm[2] * v2 + xm[3] * v3);
        }
      }
      for (int64_t j = nv; j < nb; ++j) {
        float w0 = simd::load1<DT>(b0, j), w1 = simd::load1<DT>(b1, j);
        float w2 = simd::load1<DT>(b2, j), w3 = simd::load1<DT>(b3, j);
        for (int64_t m = 0; m < M; ++m) {
          const float *xm = x + m * ldx + k;
          y[m * kColChunk + j] += xm[0] * w0 + xm[1] * w1 + xm[2] * w2 + xm[3] * w3;
        }
      }
    }
    for (; k < K; ++k) {
      const void *b0 = simd::elem_ptr(B.data, DT, B.off + k * B.rs + c0);
      for (int64_t j = 0; j < nv; j += 8) {
        v8sf v0 = simd::load8<DT>(simd::elem_ptr(b0, DT, j));
        for (int64_t m = 0; m < M; ++m) {
          float *ym = y + m * kColChunk + j;
          simd::storeu(ym, simd::loadu(ym) + x[m * ldx + k] * v0);
        }
      }
      for (int64_t j = nv; j < nb; ++j) {
        float w0 = simd::load1<DT>(b0, j);
        for (int64_t m = 0; m < M; ++m) y[m * kColChunk + j] += x[m * ldx + k] * w0;
      }
    }
    for (int64_t m = 0; m < M; ++m) std::copy(y + m * kColChunk, y + m * kColChunk + nb, C + m * ldc + c0);
  }
}

// Runs fn(i) for i in [0, items) on all threads, each taking the next item as it
// finishes the last: a thread slowed down (another process on its core) does less.
template <class F>
void dynamic_for(int64_t items, const F &fn) {
  std::atomic<int64_t> next{0};
  parallel_threads([&](int, int) {
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < items;) fn(i);
  });
}

// Splits [0, n) into items of `unit`-multiples, ~16 per thread, and runs body(begin, end)
// over them; small work (below ~`min_work` per item) stays on the calling thread.
template <class F>
void split_work(int64_t n, int64_t unit, int64_t work_per_unit, bool parallel, const F &body) {
  const int nt = parallel ? num_threads() : 1;
  const int64_t units = (n + unit - 1) / unit;
  constexpr int64_t min_work = 32768;
  const int64_t max_items = std::max<int64_t>(1, units * work_per_unit / min_work);
  const int64_t items = std::min<int64_t>({units, int64_t(nt) * 16, max_items});
  // Waking the pool costs tens of microseconds: tiny products stay on this thread.
  if (nt <= 1 || items < 2 || units * work_per_unit < (int64_t(1) << 19)) {
    body(0, n);
    return;
  }
  const int64_t per = (units + items - 1) / items;
  const int64_t count = (units + per - 1) / per;
  dynamic_for(count, [&](int64_t i) { body(i * per * unit, std::min(n, (i + 1) * per * unit)); });
}

template <int DT>
void gemv_dt(int64_t M, int64_t N, int64_t K, const float *x, int64_t ldx, const MatRef &B, float *C, int64_t ldc, bool parallel) {
  const int64_t work_per_col = std::max<int64_t>(1, K * M);
  if (B.rs == 1) {
    split_work(N, 4, 4 * work_per_col, parallel,
               [&](int64_t n0, int64_t n1) { dot_rows<DT>(M, n0, n1, K, x, ldx, B, C, ldc); });
  } else {
    split_work(N, 64, 64 * work_per_col, parallel,
               [&](int64_t n0, int64_t n1) { axpy_cols<DT>(M, n0, n1, K, x, ldx, B, C, ldc); });
  }
}

// x laid out for bf16_half: in each pair of 8-float vectors of a row read alone's
// whole steps, the even elements, then the odd ones. The rest stays in order.
void split_x(int64_t K, float *x) {
  float t[16];
  for (int64_t k = 0, end = K / kRowAloneStep * kRowAloneStep; k < end; k += 16) {
    for (int i = 0; i < 8; ++i) t[i] = x[k + 2 * i], t[8 + i] = x[k + 2 * i + 1];
    std::copy(t, t + 16, x + k);
  }
}

}  // namespace

bool gemv_applies(int64_t M, const MatRef &B) { return M >= 1 && M <= kGemvMaxM && (B.rs == 1 || B.cs == 1); }

void gemv(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, int64_t ldc, bool parallel) {
  if (N <= 0) return;
  // A's rows as float32, each starting on a cache line: the blocks load x in full
  // vectors, and loads straddling two lines took Qwen2-0.5B's bf16 products of 5 rows
  // 1.6x as long (one thread, weights in L2).
  static thread_local Scratch x_buf;
  const int64_t ldx = (K + 15) / 16 * 16;
  float *x = x_buf.get(size_t(M * ldx));
  for (int64_t m = 0; m < M; ++m) load_f32(A.data, A.dt, A.off + m * A.rs, A.cs, K, x + m * ldx);
  if (reads_rows_alone(M, K) && B.dt == BF16 && B.rs == 1) split_x(K, x);
  switch (B.dt) {
    case F32: gemv_dt<F32>(M, N, K, x, ldx, B, C, ldc, parallel); break;
    case F16: gemv_dt<F16>(M, N, K, x, ldx, B, C, ldc, parallel); break;
    default: gemv_dt<BF16>(M, N, K, x, ldx, B, C, ldc, parallel); break;
  }
}

}  // namespace tl
