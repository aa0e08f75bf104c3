// Packed single-precision GEMM (BLIS-style) and the vector helpers shared with gemv.
// Operands are strided views of any float dtype; the result is float32.
#pragma once
#include <cstdint>
#include <cstring>

#include "dtype.h"

#if defined(__F16C__) || defined(__AVX__)
#include <immintrin.h>
#endif

namespace tl {

// A strided 2-D operand: element (i, j) is at data[off + i*rs + j*cs], dtype dt.
struct MatRef {
  const void *data;
  int dt;
  int64_t off;
  int64_t rs;
  int64_t cs;
};

// C (M x N, float32, row stride ldc) = A (M x K) @ B (K x N), accumulated in float32.
// `parallel` lets it use the thread pool (pass false when already on a pool thread).
// K must be > 0.
void gemm(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, int64_t ldc, bool parallel);

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
inline float hsum(v8sf v) {
  float s = 0.0f;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
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
#else
  const uint16_t *h = static_cast<const uint16_t *>(p);
  v8sf f;
  for (int i = 0; i < 8; ++i) f[i] = f16_to_f32(h[i]);
  return f;
#endif
}

// One element of dtype DT at element index i of p, as float.
template <int DT>
inline float load1(const void *p, int64_t i) {
  if (DT == F32) return static_cast<const float *>(p)[i];
  if (DT == BF16) return bf16_to_f32(static_cast<const uint16_t *>(p)[i]);
#if defined(__F16C__)
  return _cvtsh_ss(static_cast<const uint16_t *>(p)[i]);
#else
  return f16_to_f32(static_cast<const uint16_t *>(p)[i]);
#endif
}

// Element pointer arithmetic for a float dtype.
inline const void *elem_ptr(const void *base, int dt, int64_t i) {
  return static_cast<const uint8_t *>(base) + i * (dt == F32 ? 4 : 2);
}

}  // namespace simd
}  // namespace tl
