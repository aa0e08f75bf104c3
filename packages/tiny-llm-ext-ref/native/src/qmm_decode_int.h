// The x86 decode kernel (AVX2, AVX-512): y (M x O) = x (M x K) @ W.T, M <= kDecodeMaxM,
// with exact integer products instead of an int->float conversion and an FMA per weight.
//
// Every group of x is scaled to integers X of 23 bits and a sign, x ~ sx * X with
// sx = max|x| / (2^23 - 1) over the group: each input keeps float32's precision
// relative to its group's largest one. Per row o and group g, with codes q, scale s, bias b:
//
//   sum_k x[k] * (s * q[k] + b)  =  (s * sx) * sum_k X[k] * q[k]  +  b * sum_k x[k]
//
// and sum_k X[k] * q[k] is computed exactly in integers, 16 to 32 products an instruction:
//   4-bit: X = hi * 2^16 + mid * 2^8 + lo, D = 3 signed bytes (balanced digits, so
//     that x is always vpmaddubsw's signed operand, which may come from memory): three
//     vpmaddubsw (u8 codes x s8 parts, pairs summed to int16) per vector of codes and
//     nibble (low nibbles hold the even inputs, high nibbles the odd ones; x is laid out
//     to match), summed in int16 over a chunk (<= 2 * 2 * 2 * 128 * 15 = 15360), then
//     exactly to int32 as ((hi * 256 + mid) << 8) + lo (an int32 lane covers <= 16
//     codes: |sum| <= 16 * 2^23 * 15 < 2^31);
//   8-bit: codes widened to int16, X = hi * 2^15 + lo (lo in [0, 2^15)): two vpmaddwd
//     into int32, the two sums combined in float.
// With int8 activations (a.xq, int8_activations.h) x is given as X in [-127, 127] and sx
// already: 4-bit codes then take D = 1 digit, a third of the products (8-bit codes keep
// the exact path, which computes the same x̂ @ W.T from x = x̂). With VNNI, vpdpbusd sums
// each digit's products straight into int32 (one instruction per vector of codes, nibble
// and digit; a lane's digit sum over a chunk stays below 2^15, so hi << 16 fits): the
// float x 4-bit decode of Qwen2-0.5B 23.4 -> 15.8-18.5 ms a step (Zen 4).
// A chunk is max(group, one vector's codes). A vector may span several groups (4-bit
// codes, small groups): lane i of a chunk covers kCodesPerLane codes, of group
// (i * kCodesPerLane) / group_size within the chunk, and the scales s * sx go on per lane.
#pragma once
#include <algorithm>
#include <vector>

#include "qmm.h"
#include "qmm_int_simd.h"
#include "tiny-llm/aligned.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

#ifdef TL_QMM_INT
namespace tl {
namespace qmm {

// D: signed-byte digits per input of x (4-bit codes: 3, or 1 with int8 activations).
template <typename T, int BITS, int D>
struct IntLayout {
  // Codes per int32 lane of one vector of products, codes per such vector (a "unit"),
  // and the bytes of x parts per unit.
  static constexpr int kCodesPerLane = BITS == 4 ? 8 : 2;
  static constexpr int kUnitCodes = T::L * kCodesPerLane;
  static constexpr int kUnitXBytes = BITS == 4 ? 2 * D * T::VB : 2 * T::VB;
  // prefetch_rows: how many rows ahead kDecodePrefetchBytes of codes reach (at least 1).
  int64_t chunks, units_per_chunk, groups_per_chunk, row_bytes, G, prefetch_rows;
  explicit IntLayout(const QuantizedMatmulArgs &a)
      : chunks(a.K / chunk(a)), units_per_chunk(chunk(a) / kUnitCodes), groups_per_chunk(chunk(a) / a.group_size),
        row_bytes(a.K / kUnitCodes * kUnitXBytes), G(a.K / a.group_size),
        prefetch_rows(std::max<int64_t>(1, kDecodePrefetchBytes / std::max<int64_t>(1, a.K * BITS / 8))) {}
  static int64_t chunk(const QuantizedMatmulArgs &a) { return std::max<int64_t>(a.group_size, kUnitCodes); }
  static bool fits(const QuantizedMatmulArgs &a) { return a.K % chunk(a) == 0; }
};

// Stores the three signed-byte digits of 8 int32 v (|v| <= 2^23 - 2^16), v = hi * 2^16 +
// mid * 2^8 + lo, 8 bytes each: lo at p, mid at p + stride, hi at p + 2 * stride.
inline void store_digits(__m256i v, int8_t *p, int64_t stride) {
  const __m256i lo = _mm256_srai_epi32(_mm256_slli_epi32(v, 24), 24), v1 = _mm256_srai_epi32(_mm256_sub_epi32(v, lo), 8);
  const __m256i mid = _mm256_srai_epi32(_mm256_slli_epi32(v1, 24), 24), hi = _mm256_srai_epi32(_mm256_sub_epi32(v1, mid), 8);
  // Bytes per 128-bit half: lo 0-3, mid 0-3, hi 0-3, hi 0-3 | the same of elements 4-7.
  const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(lo, mid), _mm256_packs_epi32(hi, hi));
  const __m256i r = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  const __m128i r0 = _mm256_castsi256_si128(r);
  _mm_storel_epi64(reinterpret_cast<__m128i *>(p), r0);
  _mm_storel_epi64(reinterpret_cast<__m128i *>(p + stride), _mm_unpackhi_epi64(r0, r0));
  _mm_storel_epi64(reinterpret_cast<__m128i *>(p + 2 * stride), _mm256_extracti128_si256(r, 1));
}

// A row of int8 activations X (K inputs, a multiple of a unit's 8 * T::L) in the order
// the 4-bit kernels multiply it: per unit of codes, the even inputs' bytes (the codes' low
// nibbles), then the odd ones' (the high nibbles), VB bytes each. 64 inputs at a time.
template <typename T>
inline void int8_unit_order(const int8_t *X, int64_t K, int8_t *dst) {
  constexpr int U = 8 * T::L, VB = T::VB;
  // Per 128-bit lane: its 8 even bytes, then its 8 odd ones.
  const __m256i split = _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,  //
                                         0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
  auto halves = [&](const int8_t *p) {  // 32 inputs -> 16 even bytes | 16 odd bytes
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(p));
    return _mm256_permute4x64_epi64(_mm256_shuffle_epi8(v, split), 0xD8);
  };
  for (int64_t k = 0; k < K; k += 64) {
    const __m256i lo = halves(X + k), hi = halves(X + k + 32);
    int8_t *u = dst + k / U * U + k % U / 2;
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(u), _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(u + VB), _mm256_permute2x128_si256(lo, hi, 0x31));
  }
}

// x as the kernel reads it: per row m, its integer parts (row_bytes), every group's
// sx and sum of x (padded with zeros to a multiple of 8), and each lane's group within
// a chunk. Built with AVX2, which every build with TL_QMM_INT has. D = 1: the parts
// are a.xq's codes and sx is a.xq_scale.
template <typename T, int BITS, int D>
struct IntX {
  CacheLineVector<int8_t> parts;  // on cache lines: loaded in full vectors
  std::vector<float> sx, xsum, xsum_tail;  // xsum_tail: M x 8, see row_scales
  int64_t Gpad;
  alignas(64) int32_t lane_group[T::L];

  IntX(const QuantizedMatmulArgs &a, const IntLayout<T, BITS, D> &lay) : Gpad((lay.G + 7) / 8 * 8) {
    using Lay = IntLayout<T, BITS, D>;
    constexpr int VB = T::VB;
    const int64_t gs = a.group_size;
    parts.resize(size_t(a.M * lay.row_bytes));
    sx.assign(size_t(a.M * Gpad), 0.0f);
    xsum.assign(size_t(a.M * Gpad), 0.0f);
    for (int i = 0; i < T::L; ++i) lane_group[i] = int32_t(i * Lay::kCodesPerLane / gs);
    for (int64_t m = 0; m < a.M; ++m) {
      const float *x = a.x + m * a.ldx;
      int8_t *pm = parts.data() + m * lay.row_bytes;
      for (int64_t g = 0; g < lay.G; ++g) {
        const float *xg = x + g * gs;
        __m256 vmax = _mm256_setzero_ps(), vsum = _mm256_setzero_ps();
        for (int64_t k = 0; k < gs; k += 8) {
          const __m256 v = _mm256_loadu_ps(xg + k);
          vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v));
          vsum = _mm256_add_ps(vsum, v);
        }
        float amax = 0.0f, sum = 0.0f;
        for (int i = 0; i < 8; ++i) amax = std::max(amax, vmax[i]), sum += vsum[i];
        if (D == 1) {
          sx[size_t(m * Gpad + g)] = a.xq_scale[m * lay.G + g];
          xsum[size_t(m * Gpad + g)] = sum;
          continue;
        }
        constexpr float kMax = 8323072.0f;  // 2^23 - 2^16: hi stays within a signed byte
        const float inv = amax > 0.0f ? kMax / amax : 0.0f;
        sx[size_t(m * Gpad + g)] = amax / kMax;
        xsum[size_t(m * Gpad + g)] = sum;
        const __m256 vinv = _mm256_set1_ps(inv), lim = _mm256_set1_ps(kMax), nlim = _mm256_set1_ps(-kMax);
        auto to_int = [&](const float *p) {
          return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(p), vinv), nlim), lim));
        };
        // 16 inputs at a time (a group size is a multiple of 16, a unit of 16 or more).
        for (int64_t k = 0; k < gs; k += 16) {
          const int64_t kk = g * gs + k, j = kk % Lay::kUnitCodes;
          int8_t *u = pm + kk / Lay::kUnitCodes * Lay::kUnitXBytes;
          const __m256i v0 = to_int(xg + k), v1 = to_int(xg + k + 8);
          if (BITS == 4) {
            // Even inputs at u + j / 2, odd ones at u + VB + j / 2; each digit's VB bytes 2 * VB apart.
            const __m256i perm = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
            const __m256i p0 = _mm256_permutevar8x32_epi32(v0, perm), p1 = _mm256_permutevar8x32_epi32(v1, perm);
            store_digits(_mm256_permute2x128_si256(p0, p1, 0x20), u + j / 2, 2 * VB);
            store_digits(_mm256_permute2x128_si256(p0, p1, 0x31), u + VB + j / 2, 2 * VB);
          } else {
            // hi = v >> 15 at h + j, lo = v & 32767 at h + VB / 2 + j (int16).
            int16_t *h = reinterpret_cast<int16_t *>(u);
            const __m256i low15 = _mm256_set1_epi32(32767);
            const __m256i p0 = _mm256_packs_epi32(_mm256_srai_epi32(v0, 15), _mm256_and_si256(v0, low15));
            const __m256i p1 = _mm256_packs_epi32(_mm256_srai_epi32(v1, 15), _mm256_and_si256(v1, low15));
            // p: hi 0-3, lo 0-3 | hi 4-7, lo 4-7; after the permute: hi 0-7 | lo 0-7.
            const __m256i r0 = _mm256_permute4x64_epi64(p0, 0xD8), r1 = _mm256_permute4x64_epi64(p1, 0xD8);
            _mm_storeu_si128(reinterpret_cast<__m128i *>(h + j), _mm256_castsi256_si128(r0));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(h + j + 8), _mm256_castsi256_si128(r1));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(h + VB / 2 + j), _mm256_extracti128_si256(r0, 1));
            _mm_storeu_si128(reinterpret_cast<__m128i *>(h + VB / 2 + j + 8), _mm256_extracti128_si256(r1, 1));
          }
        }
      }
    }
    if (D == 1)
      for (int64_t m = 0; m < a.M; ++m) int8_unit_order<T>(a.xq + m * a.K, a.K, parts.data() + m * lay.row_bytes);
    xsum_tail.assign(size_t(a.M * 8), 0.0f);
    if (lay.G >= 8)
      for (int64_t m = 0; m < a.M; ++m)
        for (int64_t g = lay.G / 8 * 8; g < lay.G; ++g) xsum_tail[size_t(m * 8 + g - (lay.G - 8))] = xsum[size_t(m * Gpad + g)];
  }
};

// row_scales' groups g .. g + 7: their factors into ws, their bias terms (xs: xsum at g,
// or xsum_tail) into bias.
template <int M, int SDT>
__attribute__((always_inline)) inline void scale_step(const void *srow, const void *brow, int64_t g, const float *sx, int64_t Gpad,
                                                      const float *xs, int64_t xs_stride, float *ws, int64_t wstride,
                                                      simd::v8sf (&bias)[M]) {
  const simd::v8sf s = simd::load8<SDT>(simd::elem_ptr(srow, SDT, g)), b = simd::load8<SDT>(simd::elem_ptr(brow, SDT, g));
  for (int m = 0; m < M; ++m) {
    simd::storeu(ws + m * wstride + g, s * simd::loadu(sx + m * Gpad + g));
    bias[m] += b * simd::loadu(xs + m * xs_stride);
  }
}

// Row o's per-group factors for each row m of x, ws[m * wstride + g] = scale[g] * sx[m][g],
// and its bias terms bias[m][g % 8] += bias[g] * xsum[m][g] (a vector whose lanes sum to
// the row's bias term: int_row adds it to its sums before their one horizontal sum). In
// vectors of 8 groups; where G is not a multiple of 8 (K = 896, group 64: G = 14), the
// last vector is groups G-8 .. G-1, which overlap the previous one: ws gets the same
// values twice, and the bias terms read xsum_tail, xsum with the overlapping lanes
// zeroed. G < 8 goes one group at a time. Inlined into int_row, in plain loops (a lambda
// here kept its closure and the sums on the stack): at K = 896 this is half a row's work.
template <int M, int SDT>
__attribute__((always_inline)) inline void row_scales(const QuantizedMatmulArgs &a, int64_t o, int64_t G, const float *sx,
                                                      const float *xsum, const float *xsum_tail, int64_t Gpad, float *ws,
                                                      int64_t wstride, simd::v8sf (&bias)[M]) {
  const void *srow = simd::elem_ptr(a.scales, SDT, o * a.lds), *brow = simd::elem_ptr(a.biases, SDT, o * a.ldb);
  for (int m = 0; m < M; ++m) bias[m] = simd::v8sf{};
  if (G < 8) {
    for (int64_t g = 0; g < G; ++g) {
      const float s = simd::load1<SDT>(srow, g), b = simd::load1<SDT>(brow, g);
      for (int m = 0; m < M; ++m) {
        ws[m * wstride + g] = s * sx[m * Gpad + g];
        bias[m][0] += b * xsum[m * Gpad + g];
      }
    }
    return;
  }
  int64_t g = 0;
  for (; g + 8 <= G; g += 8) scale_step<M, SDT>(srow, brow, g, sx, Gpad, xsum + g, Gpad, ws, wstride, bias);
  if (g < G) scale_step<M, SDT>(srow, brow, G - 8, sx, Gpad, xsum_tail, 8, ws, wstride, bias);
}

// One unit of a row's codes (at q, advanced) against M rows of x: the products' int16
// (4-bit: D digits) or int32 (8-bit) sums, set (FIRST) or added into s0, s1, s2.
template <typename T, int BITS, int D, int M, bool FIRST>
inline void unit_products(const uint8_t *&q, const int8_t *xu, int64_t xstride, typename T::I (&s0)[M],
                          typename T::I (&s1)[M], typename T::I (&s2)[M]) {
  using I = typename T::I;
  constexpr int VB = T::VB;
  auto put16 = [](I &s, I v) { s = FIRST ? v : T::add16(s, v); };
  auto put32 = [](I &s, I v) { s = FIRST ? v : T::add32(s, v); };
  if (BITS == 4) {
    const I nib = T::set8(15), b = T::load(q);
    q += VB;
    const I ce = T::andb(b, nib), co = T::hi4(b);
    for (int m = 0; m < M; ++m) {
      const int8_t *p = xu + m * xstride;
      if (T::kDot) {  // VNNI: the products go straight into int32, one digit a sum
        auto dot = [&](I &s, const int8_t *digit) { s = T::dpbusd(T::dpbusd(FIRST ? T::zero() : s, ce, T::load(digit)), co, T::load(digit + VB)); };
        dot(s0[m], p);
        if (D == 1) continue;
        dot(s1[m], p + 2 * VB);
        dot(s2[m], p + 4 * VB);
        continue;
      }
      put16(s0[m], T::add16(T::maddubs(ce, T::load(p)), T::maddubs(co, T::load(p + VB))));
      if (D == 1) continue;
      put16(s1[m], T::add16(T::maddubs(ce, T::load(p + 2 * VB)), T::maddubs(co, T::load(p + 3 * VB))));
      put16(s2[m], T::add16(T::maddubs(ce, T::load(p + 4 * VB)), T::maddubs(co, T::load(p + 5 * VB))));
    }
  } else {
    const I c16 = T::widen8(q);
    q += VB / 2;
    for (int m = 0; m < M; ++m) {
      const int8_t *p = xu + m * xstride;
      put32(s0[m], T::madd(c16, T::load(p)));
      put32(s1[m], T::madd(c16, T::load(p + VB)));
    }
  }
}

// y[:, o] as L-lane vectors whose lanes sum to it, into sums[m][slot] (int_rows reduces
// them). ws: M rows of G + L floats. GROUPS: groups per chunk (1, 2 or 4). UNITS: units
// per chunk when known at compile time (1: every case of GROUPS > 1), else 0. Both as
// constants: the chunk loop runs a few cycles a chunk, and each test in it shows.
// Inlined into int_rows: as a call, its prologue and the reloads of its arguments were 5%
// of a row at K = 896 (Zen 4, one thread, codes in L2: 1,024 rows 19.9 -> 18.9 us).
template <typename T, int BITS, int D, int M, int SDT, int GROUPS, int UNITS>
__attribute__((always_inline)) inline void int_row(const QuantizedMatmulArgs &a, const IntLayout<T, BITS, D> &lay, const IntX<T, BITS, D> &x, int64_t o, float *ws,
             typename T::F (&sums)[M][T::L], int slot) {
  using I = typename T::I;
  using F = typename T::F;
  using Lay = IntLayout<T, BITS, D>;
  const int64_t wstride = lay.G + T::L;
  // The scales and biases of the row whose codes are being prefetched (the chunk loop).
  if (o + lay.prefetch_rows < a.O) {
    const int64_t ahead = o + lay.prefetch_rows, last = (lay.G - 1) * (SDT == F32 ? 4 : 2);
    const char *s = static_cast<const char *>(simd::elem_ptr(a.scales, SDT, ahead * a.lds));
    const char *b = static_cast<const char *>(simd::elem_ptr(a.biases, SDT, ahead * a.ldb));
    __builtin_prefetch(s), __builtin_prefetch(s + last), __builtin_prefetch(b), __builtin_prefetch(b + last);
  }
  simd::v8sf bias[M];
  row_scales<M, SDT>(a, o, lay.G, x.sx.data(), x.xsum.data(), x.xsum_tail.data(), x.Gpad, ws, wstride, bias);
  const uint8_t *q = reinterpret_cast<const uint8_t *>(a.w + o * a.ldw);
  const I idx = T::lane_index(x.lane_group), one = T::set16(1), k256 = T::set16(256);
  F acc[M];
  for (int m = 0; m < M; ++m) acc[m] = T::fzero();
  const int8_t *xu = x.parts.data();  // the current unit's x parts (row m at + m * row_bytes)
  // Locals, not lay's fields: stores through y and ws could alias lay, so the compiler
  // would reload each field on every chunk.
  const int64_t chunks = lay.chunks, units = UNITS > 0 ? UNITS : lay.units_per_chunk, xstride = lay.row_bytes;
#pragma GCC unroll 2
  for (int64_t c = 0; c < chunks; ++c) {
    prefetch_codes(q);
    I s0[M], s1[M], s2[M];  // 4-bit: lo, mid, hi sums (int16; D = 1: s0 only, int32 with VNNI); 8-bit: hi, lo (int32)
    unit_products<T, BITS, D, M, true>(q, xu, xstride, s0, s1, s2);
    xu += Lay::kUnitXBytes;
    for (int64_t u = 1; u < units; ++u, xu += Lay::kUnitXBytes)
      unit_products<T, BITS, D, M, false>(q, xu, xstride, s0, s1, s2);
    for (int m = 0; m < M; ++m) {
      const float *w = ws + m * wstride + c * GROUPS;
      const F f = chunk_factors<GROUPS>(w, idx);
      F v;
      if (BITS == 4 && D == 1) {
        v = T::cvt(T::kDot ? s0[m] : T::madd(s0[m], one));
      } else if (BITS == 4 && T::kDot) {
        v = T::cvt(T::add32(T::sll32(T::add32(T::sll32(s2[m], 8), s1[m]), 8), s0[m]));
      } else if (BITS == 4) {
        const I t = T::add32(T::madd(s2[m], k256), T::madd(s1[m], one));
        v = T::cvt(T::add32(T::sll32(t, 8), T::madd(s0[m], one)));
      } else {
        v = T::fma(T::cvt(s0[m]), T::splat(32768.0f), T::cvt(s1[m]));
      }
      acc[m] = T::fma(v, f, acc[m]);
    }
  }
  for (int m = 0; m < M; ++m) sums[m][slot] = T::add8(acc[m], bias[m]);
}

// y[:, o0 .. o1), T::L rows of W at a time, whose sums' vectors are reduced together
// (T::hsums): each row's own horizontal sum, a chain of 8 dependent instructions at its
// end, took a third of a row's time at K = 896.
template <typename T, int BITS, int D, int M, int SDT, int GROUPS, int UNITS>
void int_rows(const QuantizedMatmulArgs &a, const IntLayout<T, BITS, D> &lay, const IntX<T, BITS, D> &x, int64_t o0, int64_t o1, float *ws) {
  typename T::F sums[M][T::L];
  for (int64_t o = o0; o < o1; o += T::L) {
    const int n = int(std::min<int64_t>(T::L, o1 - o));
    for (int r = 0; r < n; ++r) int_row<T, BITS, D, M, SDT, GROUPS, UNITS>(a, lay, x, o + r, ws, sums, r);
    for (int m = 0; m < M; ++m) {
      for (int r = n; r < T::L; ++r) sums[m][r] = T::fzero();
      float *y = a.y + m * a.ldy + o;
      if (n == T::L) {
        T::storef(y, T::hsums(sums[m]));
      } else {
        alignas(64) float part[T::L];
        T::storef(part, T::hsums(sums[m]));
        std::copy(part, part + n, y);
      }
    }
  }
}

template <typename T, int BITS, int D, int M, int SDT, int GROUPS, int UNITS>
void int_decode(const QuantizedMatmulArgs &a, const IntLayout<T, BITS, D> &lay) {
  const IntX<T, BITS, D> x(a, lay);
  parallel_rows(a.O, a.K * BITS / 8, [&](int64_t o0, int64_t o1) {
    std::vector<float> ws(size_t(M * (lay.G + T::L)), 0.0f);
    int_rows<T, BITS, D, M, SDT, GROUPS, UNITS>(a, lay, x, o0, o1, ws.data());
  });
}

template <typename T, int BITS, int D, int M, int SDT>
void int_decode_chunks(const QuantizedMatmulArgs &a) {
  const IntLayout<T, BITS, D> lay(a);
  switch (lay.groups_per_chunk) {  // 2 or 4 only where a chunk is one unit
    case 2: return int_decode<T, BITS, D, M, SDT, 2, 1>(a, lay);
    case 4: return int_decode<T, BITS, D, M, SDT, 4, 1>(a, lay);
  }
  if (lay.units_per_chunk == 1) return int_decode<T, BITS, D, M, SDT, 1, 1>(a, lay);
  int_decode<T, BITS, D, M, SDT, 1, 0>(a, lay);
}

// Runs the integer kernel and returns true, or returns false where K does not split
// into whole chunks (4-bit codes, K not a multiple of 2 * VB).
inline bool int_decode_bits(const QuantizedMatmulArgs &a) {
  if (a.bits == 4 && !IntLayout<IntSimd, 4, 3>::fits(a)) return false;
  dispatch_decode(a, [&](auto bits, auto m, auto sdt) {
    constexpr int B = decltype(bits)::value, M = decltype(m)::value, S = decltype(sdt)::value;
    if (B == 4 && a.xq != nullptr) return int_decode_chunks<IntSimd, B, 1, M, S>(a);
    int_decode_chunks<IntSimd, B, 3, M, S>(a);
  });
  return true;
}

}  // namespace qmm
}  // namespace tl
#endif
