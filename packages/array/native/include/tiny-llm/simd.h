// Vector helpers over 8 floats (GCC/Clang vector extensions: AVX on x86, two q
// registers on arm64) and loads of float32 / float16 / bfloat16 as float32. The
// conversions and transposes have AVX paths and NEON paths (arm64), and a portable one.
#pragma once
#include <cstdint>
#include <cstring>

#include "dtype.h"

#if defined(__F16C__) || defined(__AVX__)
#include <immintrin.h>
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define TL_SIMD_NEON 1
#endif

namespace tl {

namespace simd {

// 8 floats in one vector (AVX ymm on x86; two q registers on arm64).
typedef float v8sf __attribute__((vector_size(32)));
typedef uint32_t v8su __attribute__((vector_size(32)));
typedef uint16_t v8hu __attribute__((vector_size(16)));

inline v8sf loadu(const float *p) {
  v8sf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void storeu(float *p, v8sf v) { std::memcpy(p, &v, sizeof v); }
// The sum of v's lanes as a tree of halves: three dependent adds instead of a chain of
// eight (gemv's few-row blocks end with ten of these for every ~60 vector steps).
inline float hsum(v8sf v) {
  typedef float v4sf __attribute__((vector_size(16)));
  typedef float v2sf __attribute__((vector_size(8)));
  v4sf a, b;
  std::memcpy(&a, &v, sizeof a);
  std::memcpy(&b, reinterpret_cast<const char *>(&v) + sizeof a, sizeof b);
  a += b;
  v2sf c, d;
  std::memcpy(&c, &a, sizeof c);
  std::memcpy(&d, reinterpret_cast<const char *>(&a) + sizeof c, sizeof d);
  c += d;
  return c[0] + c[1];
}

// Loads 8 consecutive elements of storage type T (float, or uint16_t holding f16 / bf16) as floats.
template <int DT>
inline v8sf load8(const void *p);

template <>
inline v8sf load8<F32>(const void *p) { return loadu(static_cast<const float *>(p)); }

template <>
inline v8sf load8<BF16>(const void *p) {
#if defined(__AVX2__)
  __m256i u = _mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128(static_cast<const __m128i *>(p))), 16);
  v8sf f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#else
  v8hu h;
  std::memcpy(&h, p, sizeof h);
  v8su u = __builtin_convertvector(h, v8su) << 16;
  v8sf f;
  std::memcpy(&f, &u, sizeof f);
  return f;
#endif
}

template <>
inline v8sf load8<F16>(const void *p) {
#if defined(__F16C__)
  __m256 r = _mm256_cvtph_ps(_mm_loadu_si128(static_cast<const __m128i *>(p)));
  v8sf f;
  std::memcpy(&f, &r, sizeof f);
  return f;
#elif defined(TL_SIMD_NEON)
  // FCVTL: every arm64 core converts half to single precision in hardware.
  const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(static_cast<const uint16_t *>(p)));
  const float32x4_t r[2] = {vcvt_f32_f16(vget_low_f16(h)), vcvt_high_f32_f16(h)};
  v8sf f;
  std::memcpy(&f, r, sizeof f);
  return f;
#else
  const uint16_t *h = static_cast<const uint16_t *>(p);
  v8sf f;
  for (int i = 0; i < 8; ++i) f[i] = f16_to_f32(h[i]);
  return f;
#endif
}

// The widest float vector lanes of the build: 16 with AVX-512 (vwsf, one zmm), else 8
// (v8sf). Where arithmetic bounds a kernel (gemv's products of several rows of x, each
// weight converted once for all of them) zmm halves its instructions; kernels bound by
// reading memory, or keeping many accumulators, stay on v8sf.
#if defined(__AVX512F__)
constexpr int kWideLanes = 16;
typedef float vwsf __attribute__((vector_size(64)));

template <int DT>
inline vwsf load_wide(const void *p) {
  // In vector extensions, not _mm512_cvtepu16_epi32 / _mm512_cvtph_ps: GCC 12 warns
  // (-Wmaybe-uninitialized) inside those intrinsics' own headers.
  vwsf f;
  if (DT == F32) {
    std::memcpy(&f, p, sizeof f);
  } else if (DT == BF16) {
    typedef uint16_t v16hu __attribute__((vector_size(32)));
    typedef uint32_t v16su __attribute__((vector_size(64)));
    v16hu h;
    std::memcpy(&h, p, sizeof h);
    const v16su u = __builtin_convertvector(h, v16su) << 16;
    std::memcpy(&f, &u, sizeof f);
  } else {
    const v8sf lo = load8<F16>(p), hi = load8<F16>(static_cast<const uint16_t *>(p) + 8);
    std::memcpy(&f, &lo, sizeof lo);
    std::memcpy(reinterpret_cast<char *>(&f) + sizeof lo, &hi, sizeof hi);
  }
  return f;
}

inline vwsf loadu_wide(const float *p) {
  vwsf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline float hsum(vwsf v) {
  v8sf a, b;
  std::memcpy(&a, &v, sizeof a);
  std::memcpy(&b, reinterpret_cast<const char *>(&v) + sizeof a, sizeof b);
  return hsum(a + b);
}
#else
constexpr int kWideLanes = 8;
#endif

// One element of dtype DT at element index i of p, as float.
template <int DT>
inline float load1(const void *p, int64_t i) {
  if (DT == F32) return static_cast<const float *>(p)[i];
  if (DT == BF16) return bf16_to_f32(static_cast<const uint16_t *>(p)[i]);
#if defined(__F16C__)
  return _cvtsh_ss(static_cast<const uint16_t *>(p)[i]);
#elif defined(TL_SIMD_NEON)
  __fp16 h;
  std::memcpy(&h, static_cast<const uint16_t *>(p) + i, sizeof h);
  return float(h);
#else
  return f16_to_f32(static_cast<const uint16_t *>(p)[i]);
#endif
}

// Element pointer arithmetic for a float dtype.
inline const void *elem_ptr(const void *base, int dt, int64_t i) {
  return static_cast<const uint8_t *>(base) + i * (dt == F32 ? 4 : 2);
}

#if defined(__AVX__)
// Transposes the 8x8 block r[0..7] (rows) in place.
inline void transpose8(__m256 &r0, __m256 &r1, __m256 &r2, __m256 &r3, __m256 &r4, __m256 &r5, __m256 &r6,
                       __m256 &r7) {
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r0 = _mm256_permute2f128_ps(s0, s4, 0x20);
  r1 = _mm256_permute2f128_ps(s1, s5, 0x20);
  r2 = _mm256_permute2f128_ps(s2, s6, 0x20);
  r3 = _mm256_permute2f128_ps(s3, s7, 0x20);
  r4 = _mm256_permute2f128_ps(s0, s4, 0x31);
  r5 = _mm256_permute2f128_ps(s1, s5, 0x31);
  r6 = _mm256_permute2f128_ps(s2, s6, 0x31);
  r7 = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// Writes the transpose of the 8x8 block r[0..7] (rows): its 8 columns as rows of 8
// floats, `stride` floats apart from `out` (a GEMM panel is packed this way).
inline void store_transposed8(float *out, int64_t stride, __m256 r0, __m256 r1, __m256 r2, __m256 r3, __m256 r4, __m256 r5,
                              __m256 r6, __m256 r7) {
  transpose8(r0, r1, r2, r3, r4, r5, r6, r7);
  const __m256 cols[8] = {r0, r1, r2, r3, r4, r5, r6, r7};
  for (int t = 0; t < 8; ++t) _mm256_storeu_ps(out + t * stride, cols[t]);
}

inline __m256 to_m256(v8sf v) {
  __m256 r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}
#elif defined(TL_SIMD_NEON)
// The 4x4 transpose of rows a, b, c, d in place (TRN1/TRN2 on 32 and 64-bit lanes).
inline void transpose4(float32x4_t &a, float32x4_t &b, float32x4_t &c, float32x4_t &d) {
  const float32x4_t ab0 = vtrn1q_f32(a, b), ab1 = vtrn2q_f32(a, b), cd0 = vtrn1q_f32(c, d), cd1 = vtrn2q_f32(c, d);
  a = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(ab0), vreinterpretq_f64_f32(cd0)));
  b = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(ab1), vreinterpretq_f64_f32(cd1)));
  c = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(ab0), vreinterpretq_f64_f32(cd0)));
  d = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(ab1), vreinterpretq_f64_f32(cd1)));
}

// Writes the transpose of the 8x8 block r[0..7] (rows): its 8 columns as rows of 8
// floats, `stride` floats apart from `out`; four 4x4 transposes of q registers.
inline void store_transposed8(float *out, int64_t stride, const v8sf (&r)[8]) {
  float32x4_t q[8][2];
  for (int i = 0; i < 8; ++i) std::memcpy(q[i], &r[i], sizeof r[i]);
  for (int h = 0; h < 2; ++h)      // column half: columns 4h .. 4h+3
    for (int v = 0; v < 2; ++v) {  // row half: rows 4v .. 4v+3
      float32x4_t a = q[4 * v][h], b = q[4 * v + 1][h], c = q[4 * v + 2][h], d = q[4 * v + 3][h];
      transpose4(a, b, c, d);
      float *o = out + 4 * h * stride + 4 * v;
      vst1q_f32(o, a), vst1q_f32(o + stride, b), vst1q_f32(o + 2 * stride, c), vst1q_f32(o + 3 * stride, d);
    }
}
#endif

}  // namespace simd
}  // namespace tl
