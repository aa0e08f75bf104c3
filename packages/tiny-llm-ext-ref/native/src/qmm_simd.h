// The per-ISA pieces of the quantized matmul kernels, as "traits" structs that the
// kernels are templates over: a vector V of L floats, its arithmetic, and turning
// packed codes into vectors of floats. Which ISA a build has is decided at compile
// time (-march=native / -mcpu=native); Portable is always there and is what
// TINY_LLM_KERNELS=portable runs.
//
// 4-bit codes come two to a byte (low nibble first), so L bytes give 2L codes. codes4
// returns them as two vectors, the low nibbles (codes 0, 2, 4, .. of the 2L) and the
// high nibbles (codes 1, 3, 5, ..), without shuffling: the kernels permute x once per
// call to match (layout_x, qmm_x.h). 8-bit codes: L bytes, L codes, in order.
#pragma once
#include <cstdint>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

namespace tl {
namespace qmm {

// One float at a time: the reference for what every other traits struct computes.
struct Portable {
  static constexpr int L = 1;
  using V = float;
  static V zero() { return 0.0f; }
  static V load(const float *p) { return *p; }
  static V splat(float s) { return s; }
  static V add(V a, V b) { return a + b; }
  static V fma(V a, V b, V c) { return a * b + c; }
  static float hsum(V v) { return v; }
  static void codes4(const uint8_t *q, V &lo, V &hi) {
    lo = float(q[0] & 15);
    hi = float(q[0] >> 4);
  }
  static V codes8(const uint8_t *q) { return float(q[0]); }
};

#if defined(__AVX512F__) && defined(__AVX512BW__)
#define TL_QMM_SIMD "avx512"
struct Simd {
  static constexpr int L = 16;
  using V = __m512;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float *p) { return _mm512_loadu_ps(p); }
  static V splat(float s) { return _mm512_set1_ps(s); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static float hsum(V v) { return _mm512_reduce_add_ps(v); }
  static void codes4(const uint8_t *q, V &lo, V &hi) {
    const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(q)));
    lo = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(15)));
    hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
  }
  static V codes8(const uint8_t *q) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(q))));
  }
};
#elif defined(__AVX2__) && defined(__FMA__)
#define TL_QMM_SIMD "avx2"
struct Simd {
  static constexpr int L = 8;
  using V = __m256;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float *p) { return _mm256_loadu_ps(p); }
  static V splat(float s) { return _mm256_set1_ps(s); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float hsum(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void codes4(const uint8_t *q, V &lo, V &hi) {
    const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(q)));
    lo = _mm256_cvtepi32_ps(_mm256_and_si256(b, _mm256_set1_epi32(15)));
    hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(b, 4));
  }
  static V codes8(const uint8_t *q) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(q))));
  }
};
#elif defined(__ARM_NEON) && defined(__aarch64__)
#define TL_QMM_SIMD "neon"
struct Simd {
  static constexpr int L = 8;
  struct V {
    float32x4_t a, b;
  };
  static V zero() { return V{vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)}; }
  static V load(const float *p) { return V{vld1q_f32(p), vld1q_f32(p + 4)}; }
  static V splat(float s) { return V{vdupq_n_f32(s), vdupq_n_f32(s)}; }
  static V add(V x, V y) { return V{vaddq_f32(x.a, y.a), vaddq_f32(x.b, y.b)}; }
  static V fma(V x, V y, V c) { return V{vfmaq_f32(c.a, x.a, y.a), vfmaq_f32(c.b, x.b, y.b)}; }
  static float hsum(V v) { return vaddvq_f32(vaddq_f32(v.a, v.b)); }
  static V widen(uint16x8_t h) {
    return V{vcvtq_f32_u32(vmovl_u16(vget_low_u16(h))), vcvtq_f32_u32(vmovl_high_u16(h))};
  }
  static void codes4(const uint8_t *q, V &lo, V &hi) {
    const uint16x8_t h = vmovl_u8(vld1_u8(q));
    lo = widen(vandq_u16(h, vdupq_n_u16(15)));
    hi = widen(vshrq_n_u16(h, 4));
  }
  static V codes8(const uint8_t *q) { return widen(vmovl_u8(vld1_u8(q))); }
};
#else
#define TL_QMM_SIMD "portable"
using Simd = Portable;
#endif

}  // namespace qmm
}  // namespace tl
