// The two matrix products of a flash attention tile, as one routine
//
//   C[M x N] = (accumulate ? C : 0) + A[M x K] @ B[K x N]
//
// where B and C are row-major with N a multiple of the vector width (N is on the lanes), and
// A is a strided view read one element at a time (element (i, k) at a[i * ars + k * acs]),
// so that keys, values and probabilities are used where they lie, transposed or not:
//   scores^T [keys x rows] = K [keys x D] @ Q^T [D x rows]     (lanes: the tile's query rows)
//   out      [rows x D]   += P [rows x keys] @ V [keys x D]    (lanes: D; P read from scores^T)
// Every A element is broadcast once per panel of B, so transposes cost nothing. For a
// decode tile the scores have a second form, scores_by_key (lanes: D).
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "qmm_int_simd.h"

namespace tl::flash {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;  // AVX2 (or SSE / NEON, as two registers)
#endif

// V floats (and V int32 for masks) as one vector: V = kLanes, or kLanes / 2 for a tile of
// at most that many query rows (see TileWorker).
template <int V>
struct VecOf {
  typedef float f __attribute__((vector_size(V * sizeof(float))));
  typedef int32_t i __attribute__((vector_size(V * sizeof(int32_t))));
};
template <int V>
using vec = typename VecOf<V>::f;
template <int V>
using ivec = typename VecOf<V>::i;

template <int V>
inline vec<V> load(const float *p) {
  vec<V> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <int V>
inline void store(float *p, vec<V> v) {
  std::memcpy(p, &v, sizeof v);
}

// One R x (NV * V) block of C, kept in R * NV vector registers while streaming over K.
// 12 accumulators fit AVX2's 16 registers with B and the broadcast A element, and are
// enough independent FMA chains to cover the FMA latency (4 cycles, 2 a cycle).
template <int V, int R, int NV>
void block(int64_t K, const float *a, int64_t ars, int64_t acs, const float *b, int64_t ldb, float *c, int64_t ldc,
           bool accumulate) {
  vec<V> acc[R][NV];
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = vec<V>{};
  for (int64_t k = 0; k < K; ++k) {
    vec<V> bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load<V>(b + k * ldb + v * V);
    for (int i = 0; i < R; ++i) {
      const float ai = a[i * ars + k * acs];
      for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
    }
  }
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < NV; ++v) {
      float *ci = c + i * ldc + v * V;
      store<V>(ci, accumulate ? load<V>(ci) + acc[i][v] : acc[i][v]);
    }
}

using Block = void (*)(int64_t, const float *, int64_t, int64_t, const float *, int64_t, float *, int64_t, bool);

// The blocks of 1..12 rows one vector wide (few query rows: decode), of 1..6 rows two wide,
// and with AVX-512's 32 registers, of 1..7 rows four wide (28 accumulators) and of 1..3
// rows eight wide (24): decode's P @ V (7 query heads of a kv head, D = 64) in one pass
// over the keys took 40% of the time it did as 4 + 3 rows by two panels of two vectors,
// and Qwen3's (2 query heads, D = 128) in one pass instead of two panels of four took
// 13% less (its V tile, 32 KiB, is then read once).
template <int V, int NV, int... R>
struct BlockTable {
  static constexpr Block at[sizeof...(R)] = {block<V, R, NV>...};
};
#if defined(__AVX512F__)
constexpr int kMaxVecs = 4;
#else
constexpr int kMaxVecs = 2;
#endif

// C = (accumulate ? C : 0) + A @ B through register blocks of V-float vectors (N a multiple
// of V). The rows are shared evenly between blocks (7 rows: 4 + 3, not 6 + 1).
template <int V>
void product_tiled(int64_t M, int64_t N, int64_t K, const float *a, int64_t ars, int64_t acs, const float *b,
                   int64_t ldb, float *c, int64_t ldc, bool accumulate) {
  const Block *one = BlockTable<V, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>::at;
  const Block *two = BlockTable<V, 2, 1, 2, 3, 4, 5, 6>::at;
#if defined(__AVX512F__)
  const Block *four = BlockTable<V, 4, 1, 2, 3, 4, 5, 6, 7>::at;
  const Block *eight = BlockTable<V, 8, 1, 2, 3>::at;
#else
  const Block *four = nullptr, *eight = nullptr;
#endif
  for (int64_t n0 = 0; n0 < N;) {
    const int64_t left = N - n0;
    const int nv = eight && M <= 3 && left >= 8 * V ? 8 : left >= kMaxVecs * V ? kMaxVecs : left >= 2 * V ? 2 : 1;
    const int64_t max_rows = nv == 8 ? 3 : nv == 4 ? 7 : 12 / nv, blocks = (M + max_rows - 1) / max_rows;
    const Block *table = nv == 8 ? eight : nv == 4 ? four : nv == 2 ? two : one;
    for (int64_t blk = 0, i0 = 0; blk < blocks; ++blk) {
      const int64_t r = (M - i0) / (blocks - blk);
      table[r - 1](K, a + i0 * ars, ars, acs, b + n0, ldb, c + i0 * ldc + n0, ldc, accumulate);
      i0 += r;
    }
    n0 += nv * V;
  }
}

// The sum of a vector's lanes, halving it (GCC writes the lane-by-lane loop as scalar
// extracts).
template <int V>
inline float hsum(vec<V> v) {
  if constexpr (V <= 4) {
    float s = 0.0f;
    for (int i = 0; i < V; ++i) s += v[i];
    return s;
  } else {
    vec<V / 2> lo, hi;
    std::memcpy(&lo, &v, sizeof lo);
    std::memcpy(&hi, reinterpret_cast<const char *>(&v) + sizeof lo, sizeof hi);
    return hsum<V / 2>(lo + hi);
  }
}

// scores^T [keys x W] = K @ Q^T for R query rows, key by key: each key's row (D floats at
// k + j * ks) is dotted with each row of q (R x D, row-major), D in vectors then across
// the lanes; lanes R .. W of st are zeros. Where the rows are few, this is cheaper than
// the rows-on-lanes product, which takes D multiply-adds of a vector a key whatever R:
// here R x (D / kLanes + a lane sum), two keys at a time for independent sums. It also
// reads K row after row, as it lies.
template <int R>
void scores_by_key(int64_t n, int64_t D, const float *k, int64_t ks, const float *q, float *st, int64_t W) {
  using L = vec<kLanes>;
  const int64_t Dv = D / kLanes * kLanes;
  int64_t j = 0;
  const auto finish = [&](int64_t jj, const L *acc) {
    const float *kj = k + jj * ks;
    float *row = st + jj * W;
    for (int r = 0; r < R; ++r) {
      float s = hsum<kLanes>(acc[r]);
      for (int64_t d = Dv; d < D; ++d) s += kj[d] * q[r * D + d];
      row[r] = s;
    }
    for (int64_t r = R; r < W; ++r) row[r] = 0.0f;
  };
  for (; j + 2 <= n; j += 2) {
    L a0[R], a1[R];
    for (int r = 0; r < R; ++r) a0[r] = a1[r] = L{};
    const float *k0 = k + j * ks, *k1 = k0 + ks;
    for (int64_t d = 0; d < Dv; d += kLanes) {
      const L x0 = load<kLanes>(k0 + d), x1 = load<kLanes>(k1 + d);
      for (int r = 0; r < R; ++r) {
        const L qr = load<kLanes>(q + r * D + d);
        a0[r] += x0 * qr;
        a1[r] += x1 * qr;
      }
    }
    finish(j, a0);
    finish(j + 1, a1);
  }
  if (j < n) {
    L a0[R];
    for (int r = 0; r < R; ++r) a0[r] = L{};
    for (int64_t d = 0; d < Dv; d += kLanes)
      for (int r = 0; r < R; ++r) a0[r] += load<kLanes>(k + j * ks + d) * load<kLanes>(q + r * D + d);
    finish(j, a0);
  }
}

// Rows of K or V as they lie (of any dtype): row j's element d at p + j * stride + d * item.
struct RowStream {
  const char *p = nullptr;  // null: none
  int64_t stride = 0, item = 4;
  RowStream at(int64_t j) const { return {p == nullptr ? nullptr : p + j * stride, stride, item}; }
};

// What a batched scores pass asks the memory for while it reads K, into L2, a prefetch
// for each vector of K it loads: the same keys' V rows, which P @ V reads next, and K's
// rows further on, as they lie (TileWorker::scores_prefetch says how far: a bfloat16
// cache's K is converted into a buffer before the scores). From memory, one thread, 2,048
// keys, float32: Qwen2-1.5B's heads 320-329 to 254 us a call, Qwen2-7B's 726 to 598-613;
// the same rows asked for in bursts between slices of keys gained nothing.
struct ScoresPrefetch {
  RowStream v, k;  // rows of the pass's first key
};

#ifdef TL_QMM_INT
// N keys' scores (at kj, rows ks apart) against R <= W query rows into scores^T rows out
// .. out + N * W: N x R vectors of D-lane partial sums, reduced kLanes at a time by
// IntSimd::hsums (about 3 instructions a vector, against 8 for hsum alone), which leaves
// kLanes / W keys' rows of scores^T in one vector, one store. Rows R .. W reduce zeros.
// pf: the rows to ask for, from this pass's first key.
template <int R, int W, int N>
__attribute__((always_inline)) inline void scores_batch(int64_t D, const float *kj, int64_t ks, const float *q, float *out,
                                                        const ScoresPrefetch &pf) {
  using L = vec<kLanes>;
  using F = qmm::IntSimd::F;
  constexpr int KR = kLanes / W;  // keys a reduction
  L acc[N][R];
  for (int j = 0; j < N; ++j)
    for (int r = 0; r < R; ++r) acc[j][r] = L{};
  for (int64_t d = 0; d < D; d += kLanes) {
    L kv[N];
    for (int j = 0; j < N; ++j) kv[j] = load<kLanes>(kj + j * ks + d);
    for (const RowStream &rows : {pf.v, pf.k})
      if (rows.p != nullptr)
        for (int j = 0; j < N; ++j) __builtin_prefetch(rows.p + j * rows.stride + d * rows.item, 0, 2);
    for (int r = 0; r < R; ++r) {
      const L qr = load<kLanes>(q + r * D + d);
      for (int j = 0; j < N; ++j) acc[j][r] += kv[j] * qr;
    }
  }
  for (int j0 = 0; j0 < N; j0 += KR) {
    F v[kLanes];
    for (int i = 0; i < kLanes; ++i) {
      const int j = j0 + i / W, r = i % W;
      v[i] = j < N && r < R ? F(acc[j][r]) : F(L{});
    }
    const L sums = L(qmm::IntSimd::hsums(v));
    if (j0 + KR <= N) store<kLanes>(out + j0 * W, sums);
    else std::memcpy(out + j0 * W, &sums, (N - j0) * W * sizeof(float));
  }
}

// scores_by_key with the lane sums batched (x86, D a multiple of kLanes): keys in passes
// of KB over D, KB x R accumulators in registers.
template <int R, int W>
void scores_by_key_batched(int64_t n, int64_t D, const float *k, int64_t ks, const float *q, float *st, const ScoresPrefetch &pf) {
  static_assert(qmm::IntSimd::L == kLanes && R <= W && kLanes % W == 0, "rows of a half or whole vector");
  constexpr int KR = kLanes / W;
  constexpr int KB = KR * (2 * KR * R <= 12 ? 2 : 1);  // 24 accumulators for R = 6 ran slower than 12
  const auto from = [&](int64_t j) { return ScoresPrefetch{pf.v.at(j), pf.k.at(j)}; };
  int64_t j = 0;
  for (; j + KB <= n; j += KB) scores_batch<R, W, KB>(D, k + j * ks, ks, q, st + j * W, from(j));
  for (; j < n; ++j) scores_batch<R, W, 1>(D, k + j * ks, ks, q, st + j * W, from(j));
}

// scores_by_key_batched for 1 .. W rows, indexed by rows - 1.
template <int W, size_t... I>
constexpr std::array<void (*)(int64_t, int64_t, const float *, int64_t, const float *, float *, const ScoresPrefetch &), W> batched_rows(
    std::index_sequence<I...>) {
  return {scores_by_key_batched<int(I) + 1, W>...};
}
#endif

// Whether the batched lane sums apply to rows in vectors of W lanes and D: on x86, rows
// within one vector and D of at least 8 whole vectors. Qwen2-0.5B's D = 64 under AVX-512
// is 4: there, from memory, they were 15-25% slower than the rows on the lanes without the
// prefetches, and with them as fast with a float32 cache and slower with a bfloat16 one
// (Qwen2-0.5B's model at 2,048 keys: 10.4-10.5 against 9.7-10.3 ms a step).
inline bool scores_batched_pays(int64_t W, int64_t D) {
#ifdef TL_QMM_INT
  return W <= kLanes && D % kLanes == 0 && D >= 8 * kLanes;
#else
  (void)W, (void)D;
  return false;
#endif
}

// Whether scores_by_key is the cheaper way for R rows of D in vectors of W lanes: with the
// lane sums batched (scores_batched_pays), or else for R x (D / kLanes + ~8 for the lane
// sum) against D / 2 cycles a key (half-width vectors, two multiply-adds a cycle).
inline bool scores_by_key_pays(int64_t R, int64_t D, int64_t W) {
  return scores_batched_pays(W, D) || (R <= 3 && R * (D / kLanes + 8) < D / 2);
}

// scores_by_key for R rows (of W lanes) where scores_by_key_pays; the batched form asks
// for pf's rows as it goes.
inline void scores_by_key_rows(int64_t R, int64_t n, int64_t D, const float *k, int64_t ks, const float *q, float *st,
                               int64_t W, const ScoresPrefetch &pf) {
#ifdef TL_QMM_INT
  if (scores_batched_pays(W, D)) {
    static constexpr auto half = batched_rows<kLanes / 2>(std::make_index_sequence<kLanes / 2>{});
    static constexpr auto whole = batched_rows<kLanes>(std::make_index_sequence<kLanes>{});
    return (W == kLanes / 2 ? half[R - 1] : whole[R - 1])(n, D, k, ks, q, st, pf);
  }
#else
  (void)pf;
#endif
  if (R == 1) return scores_by_key<1>(n, D, k, ks, q, st, W);
  if (R == 2) return scores_by_key<2>(n, D, k, ks, q, st, W);
  scores_by_key<3>(n, D, k, ks, q, st, W);
}

// The same product as plain loops: the portable path, and the tiled one's reference.
inline void product_portable(int64_t M, int64_t N, int64_t K, const float *a, int64_t ars, int64_t acs,
                             const float *b, int64_t ldb, float *c, int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < M; ++i) {
    float *ci = c + i * ldc;
    if (!accumulate)
      for (int64_t n = 0; n < N; ++n) ci[n] = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float aik = a[i * ars + k * acs];
      const float *bk = b + k * ldb;
      for (int64_t n = 0; n < N; ++n) ci[n] += aik * bk[n];
    }
  }
}

}  // namespace tl::flash
