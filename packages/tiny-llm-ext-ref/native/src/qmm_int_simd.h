// The integer vector operations of the x86 decode and int8 kernels (qmm_decode_int.h,
// qmm_int8.cc), as a traits struct: I holds VB bytes (VB / 2 int16, L = VB / 4 int32
// lanes), F holds L floats. AVX-512 is the AVX2 struct at twice the width. TL_QMM_INT is
// defined where one exists. kDot: the CPU has VNNI's dpbusd (u8 x s8 products summed
// four at a time into int32: vpmaddubsw, vpmaddwd and the add in one instruction).
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

#include "tiny-llm/simd.h"
#endif

namespace tl {
namespace qmm {

// 4 bytes as an int32 (memcpy: no alignment or aliasing assumed).
inline int32_t load32(const void *p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Two floats' bits as one double, to broadcast them as a pair (memcpy: no aliasing).
inline double pair(const float *p) {
  double d;
  std::memcpy(&d, p, sizeof d);
  return d;
}

#if defined(__AVX2__) && defined(__FMA__)
// The last step of a transpose read from memory (IntSimd::load_transposed32): z[a]'s
// 128-bit lane l holds 4 consecutive words of row a + 4 l (a load, and an insert a lane,
// which the CPU can run beside the shuffles), so a 4 x 4 transpose inside each lane is
// all that is left: out[t] lane l holds word t of rows 4 l .. 4 l + 3 in order. At 16 rows
// that is 32 shuffles, where 16 rows loaded whole and transposed in registers take 64.
template <typename I>
inline void lanes_transposed(const I (&z)[4], I *out) {
  if constexpr (sizeof(I) == 64) {
    const I t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    const I t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    out[0] = _mm512_unpacklo_epi64(t0, t2), out[1] = _mm512_unpackhi_epi64(t0, t2);
    out[2] = _mm512_unpacklo_epi64(t1, t3), out[3] = _mm512_unpackhi_epi64(t1, t3);
  } else {
    const I t0 = _mm256_unpacklo_epi32(z[0], z[1]), t1 = _mm256_unpackhi_epi32(z[0], z[1]);
    const I t2 = _mm256_unpacklo_epi32(z[2], z[3]), t3 = _mm256_unpackhi_epi32(z[2], z[3]);
    out[0] = _mm256_unpacklo_epi64(t0, t2), out[1] = _mm256_unpackhi_epi64(t0, t2);
    out[2] = _mm256_unpacklo_epi64(t1, t3), out[3] = _mm256_unpackhi_epi64(t1, t3);
  }
}
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__)
#define TL_QMM_INT 1
struct IntSimd {
  static constexpr int VB = 64, L = 16;
  using I = __m512i;
  using F = __m512;
  static I load(const void *p) { return _mm512_loadu_si512(p); }
  static void store(void *p, I v) { _mm512_storeu_si512(p, v); }
  // r[i] lane j <- r[j] lane i: 16 x 16 int32, as 4 rounds of interleaving pairs.
  static void transpose32(I (&r)[L]) {
    I t[L];
    for (int i = 0; i < L; i += 2) t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]), t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    for (int i = 0; i < L; i += 4) {
      r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]), r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
      r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]), r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int h = 0; h < L; h += 8)
      for (int i = h; i < h + 4; ++i) t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88), t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
    for (int i = 0; i < 8; ++i) r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88), r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
  }
  // r[c] lane i <- rows[i][k + c], c < 16: 16 words of 16 rows, transposed (lanes_transposed).
  static void load_transposed32(const uint32_t *const (&rows)[L], int64_t k, I (&r)[L]) {
    for (int q = 0; q < 4; ++q) {
      I z[4];
      for (int a = 0; a < 4; ++a) {
        const auto quad = [&](int i) { return _mm_loadu_si128(reinterpret_cast<const __m128i *>(rows[i] + k + 4 * q)); };
        z[a] = _mm512_inserti32x4(_mm512_inserti32x4(_mm512_inserti32x4(_mm512_castsi128_si512(quad(a)), quad(a + 4), 1), quad(a + 8), 2), quad(a + 12), 3);
      }
      lanes_transposed(z, r + 4 * q);
    }
  }
  // VB / 2 bytes as VB / 2 uint16.
  static I widen8(const uint8_t *p) { return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p))); }
  static I zero() { return _mm512_setzero_si512(); }
  static I set8(int8_t v) { return _mm512_set1_epi8(v); }
  static I set16(int16_t v) { return _mm512_set1_epi16(v); }
  static I andb(I a, I b) { return _mm512_and_si512(a, b); }
  static I srl16(I a, int n) { return _mm512_srli_epi16(a, n); }
  // Each byte's high nibble (b >> 4 per byte): one GFNI affine op where the CPU has it,
  // else a shift and a mask. The decode kernel's chunk loop takes it (Zen 4, one thread,
  // codes in L2: 512 rows of K = 4864 41.3 -> 39.2 us, K = 896 the same), and so does
  // qmm_int8.cc's packing for AMX; its VNNI tile does not: there, beside its 24 vpdpbusd
  // a block, it was 3-4% slower (they share execution pipes, by our reading).
  static I hi4(I b) {
#if defined(__GFNI__)
    return _mm512_gf2p8affine_epi64_epi8(b, _mm512_set1_epi64(0x1020408000000000LL), 0);
#else
    return andb(srl16(b, 4), set8(15));
#endif
  }
  static I sll32(I a, int n) { return _mm512_slli_epi32(a, n); }
  static I add16(I a, I b) { return _mm512_add_epi16(a, b); }
  static I add32(I a, I b) { return _mm512_add_epi32(a, b); }
  // u8 x s8 products, adjacent pairs summed to int16 (they stay far from saturating here).
  static I maddubs(I u, I s) { return _mm512_maddubs_epi16(u, s); }
  // int16 products, adjacent pairs summed to int32.
  static I madd(I a, I b) { return _mm512_madd_epi16(a, b); }
#if defined(__AVX512VNNI__)
  // VNNI: u8 x s8 products, four adjacent ones summed into acc's int32 lanes.
  static constexpr bool kDot = true;
  static I dpbusd(I acc, I u, I s) {
#if defined(__GNUC__) && !defined(__clang__)
    // GCC 12 copies acc to a fresh register around the intrinsic and back (a move per
    // vpdpbusd in a loop of them); as an instruction with acc tied, it does not.
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(u), "v"(s));
    return acc;
#else
    return _mm512_dpbusd_epi32(acc, u, s);
#endif
  }
#else
  static constexpr bool kDot = false;
  static I dpbusd(I acc, I, I) { return acc; }
#endif
  // p's 4 bytes in every int32 lane.
  static I bcast32(const void *p) { return _mm512_set1_epi32(load32(p)); }
  static F cvt(I a) { return _mm512_cvtepi32_ps(a); }
  static F fzero() { return _mm512_setzero_ps(); }
  static F loadf(const float *p) { return _mm512_loadu_ps(p); }
  // Floats p[0..4) (p[0..2)) repeated across the vector.
  static F load4(const float *p) { return _mm512_broadcast_f32x4(_mm_loadu_ps(p)); }
  static F load2(const float *p) { return _mm512_castpd_ps(_mm512_set1_pd(pair(p))); }
  static F splat(float s) { return _mm512_set1_ps(s); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static void storef(float *p, F v) { _mm512_storeu_ps(p, v); }
  // Lane i of the result is lane idx[i] of v.
  static F permute(F v, I idx) { return _mm512_permutexvar_ps(idx, v); }
  static F bcast(const float *p) { return _mm512_set1_ps(*p); }
  static I lane_index(const int32_t *idx) { return _mm512_loadu_si512(idx); }
  // Lane j: the sum of v[j]'s lanes. The L vectors are reduced together, halving their
  // width at each of four levels (about 3 instructions a vector, against 8 in one
  // dependent chain for a vector alone); p is the order in which the levels' shuffles
  // leave the vectors.
  static F hsums(const F (&v)[L]) {
    constexpr int p[L] = {0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15};
    F a[8], b[4], c[2];
    for (int i = 0; i < 8; ++i) a[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[p[i]], v[p[i + 8]], 0x44), _mm512_shuffle_f32x4(v[p[i]], v[p[i + 8]], 0xEE));
    for (int i = 0; i < 4; ++i) b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i], a[i + 4], 0x88), _mm512_shuffle_f32x4(a[i], a[i + 4], 0xDD));
    for (int i = 0; i < 2; ++i) c[i] = _mm512_add_ps(_mm512_shuffle_ps(b[i], b[i + 2], 0x44), _mm512_shuffle_ps(b[i], b[i + 2], 0xEE));
    return _mm512_add_ps(_mm512_shuffle_ps(c[0], c[1], 0x88), _mm512_shuffle_ps(c[0], c[1], 0xDD));
  }
  // v plus 8 floats in its low half.
  static F add8(F v, simd::v8sf b) { return _mm512_add_ps(v, _mm512_zextps256_ps512(simd::to_m256(b))); }
};
#elif defined(__AVX2__) && defined(__FMA__)
#define TL_QMM_INT 1
struct IntSimd {
  static constexpr int VB = 32, L = 8;
  using I = __m256i;
  using F = __m256;
  static I load(const void *p) { return _mm256_loadu_si256(static_cast<const __m256i *>(p)); }
  static void store(void *p, I v) { _mm256_storeu_si256(static_cast<__m256i *>(p), v); }
  // r[c] lane i <- rows[i][k + c], c < 8: 8 words of 8 rows, transposed (lanes_transposed).
  static void load_transposed32(const uint32_t *const (&rows)[L], int64_t k, I (&r)[L]) {
    for (int q = 0; q < 2; ++q) {
      I z[4];
      for (int a = 0; a < 4; ++a) {
        const auto quad = [&](int i) { return _mm_loadu_si128(reinterpret_cast<const __m128i *>(rows[i] + k + 4 * q)); };
        z[a] = _mm256_inserti128_si256(_mm256_castsi128_si256(quad(a)), quad(a + 4), 1);
      }
      lanes_transposed(z, r + 4 * q);
    }
  }
  static I widen8(const uint8_t *p) { return _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))); }
  static I zero() { return _mm256_setzero_si256(); }
  static I set8(int8_t v) { return _mm256_set1_epi8(v); }
  static I set16(int16_t v) { return _mm256_set1_epi16(v); }
  static I andb(I a, I b) { return _mm256_and_si256(a, b); }
  static I srl16(I a, int n) { return _mm256_srli_epi16(a, n); }
  static I hi4(I b) { return andb(srl16(b, 4), set8(15)); }
  static I sll32(I a, int n) { return _mm256_slli_epi32(a, n); }
  static I add16(I a, I b) { return _mm256_add_epi16(a, b); }
  static I add32(I a, I b) { return _mm256_add_epi32(a, b); }
  static I maddubs(I u, I s) { return _mm256_maddubs_epi16(u, s); }
  static I madd(I a, I b) { return _mm256_madd_epi16(a, b); }
#if defined(__AVXVNNI__)
  static constexpr bool kDot = true;
  static I dpbusd(I acc, I u, I s) { return _mm256_dpbusd_avx_epi32(acc, u, s); }
#else
  static constexpr bool kDot = false;
  static I dpbusd(I acc, I, I) { return acc; }
#endif
  static I bcast32(const void *p) { return _mm256_set1_epi32(load32(p)); }
  static F cvt(I a) { return _mm256_cvtepi32_ps(a); }
  static F fzero() { return _mm256_setzero_ps(); }
  static F loadf(const float *p) { return _mm256_loadu_ps(p); }
  static F load4(const float *p) { return _mm256_broadcast_ps(reinterpret_cast<const __m128 *>(p)); }
  static F load2(const float *p) { return _mm256_castpd_ps(_mm256_set1_pd(pair(p))); }
  static F splat(float s) { return _mm256_set1_ps(s); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static void storef(float *p, F v) { _mm256_storeu_ps(p, v); }
  static F permute(F v, I idx) { return _mm256_permutevar8x32_ps(v, idx); }
  static F bcast(const float *p) { return _mm256_broadcast_ss(p); }
  static I lane_index(const int32_t *idx) { return _mm256_loadu_si256(reinterpret_cast<const __m256i *>(idx)); }
  // Lane j: the sum of v[j]'s lanes, as the AVX-512 struct's, in three levels.
  static F hsums(const F (&v)[L]) {
    constexpr int p[L] = {0, 2, 1, 3, 4, 6, 5, 7};
    F a[4], c[2];
    for (int i = 0; i < 4; ++i) a[i] = _mm256_add_ps(_mm256_permute2f128_ps(v[p[i]], v[p[i + 4]], 0x20), _mm256_permute2f128_ps(v[p[i]], v[p[i + 4]], 0x31));
    for (int i = 0; i < 2; ++i) c[i] = _mm256_add_ps(_mm256_shuffle_ps(a[i], a[i + 2], 0x44), _mm256_shuffle_ps(a[i], a[i + 2], 0xEE));
    return _mm256_add_ps(_mm256_shuffle_ps(c[0], c[1], 0x88), _mm256_shuffle_ps(c[0], c[1], 0xDD));
  }
  static F add8(F v, simd::v8sf b) { return _mm256_add_ps(v, simd::to_m256(b)); }
};
#endif

#ifdef TL_QMM_INT
// acc plus, per int32 lane, the lane's four products of unsigned bytes u1 and signed
// bytes s1 and four of u2 and s2: two vpdpbusd, or without VNNI two vpmaddubsw (pairs of
// products to int16, at most 2 * 15 * 127 with 4-bit codes), their sum, then vpmaddwd.
inline IntSimd::I dot8(IntSimd::I acc, IntSimd::I u1, IntSimd::I s1, IntSimd::I u2, IntSimd::I s2) {
  if constexpr (IntSimd::kDot) return IntSimd::dpbusd(IntSimd::dpbusd(acc, u1, s1), u2, s2);
  const IntSimd::I pairs = IntSimd::add16(IntSimd::maddubs(u1, s1), IntSimd::maddubs(u2, s2));
  return IntSimd::add32(acc, IntSimd::madd(pairs, IntSimd::set16(1)));
}

// A chunk's per-group factors w[0 .. GROUPS) (1, 2 or 4: a chunk holds at most 128 codes,
// a group at least 32), lane i getting w[lane_group[i]] (idx). Loaded as just those
// floats: a full vector's load would straddle the recent stores that wrote w, which the
// CPU cannot forward (a 7B-shaped product at K = 7168 ran at 0.7x the speed on one core).
template <int GROUPS>
inline IntSimd::F chunk_factors(const float *w, IntSimd::I idx) {
  static_assert(GROUPS == 1 || GROUPS == 2 || GROUPS == 4, "a chunk of 1, 2 or 4 groups");
  if constexpr (GROUPS == 1) return IntSimd::bcast(w);
  else return IntSimd::permute(GROUPS == 2 ? IntSimd::load2(w) : IntSimd::load4(w), idx);
}
#endif

}  // namespace qmm
}  // namespace tl
