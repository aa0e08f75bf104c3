// Dtype codes, element sizes and conversions between storage and compute types.
// Codes match DtypeCode in src/backend/native.ts.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tl {

enum Dtype : int { F32 = 0, F16 = 1, BF16 = 2, I32 = 3, U32 = 4, U8 = 5, BOOL = 6 };

inline int itemsize(int dt) {
  switch (dt) {
    case F32: case I32: case U32: return 4;
    case F16: case BF16: return 2;
    default: return 1;
  }
}

inline bool is_float(int dt) { return dt == F32 || dt == F16 || dt == BF16; }

inline float bits_to_f32(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
inline uint32_t f32_to_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

inline float bf16_to_f32(uint16_t h) { return bits_to_f32(uint32_t(h) << 16); }

// Round to nearest even; NaN stays a (quiet) NaN.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

inline float f16_to_f32(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bits_to_f32(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0) return bits_to_f32(sign);
    // Subnormal: value = mant * 2^-24.
    float v = float(mant) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return bits_to_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

// Round to nearest even, with overflow to inf and gradual underflow.
inline uint16_t f32_to_f16(float f) {
  uint32_t u = f32_to_bits(f);
  uint16_t sign = uint16_t((u >> 16) & 0x8000);
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return uint16_t(sign | 0x7e00);  // NaN
  if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00);  // rounds to >= 65520: inf
  if (a < 0x38800000u) {                                 // below 2^-14: subnormal or zero
    // Scale so that the f16 subnormal step 2^-24 becomes 1, then round to even.
    float v = bits_to_f32(a) * 16777216.0f;
    return uint16_t(sign | uint16_t(std::nearbyint(v)));
  }
  uint32_t mant_odd = (a >> 13) & 1u;
  a += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round
  return uint16_t(sign | (a >> 13));
}

// Load n elements (stride in elements) of dtype dt into float / int64 buffers.
void load_f32(const void *base, int dt, int64_t off, int64_t stride, int64_t n, float *out);
void load_i64(const void *base, int dt, int64_t off, int64_t stride, int64_t n, int64_t *out);
// Store n values into dtype dt (stride in elements).
void store_f32(const float *in, int64_t n, void *base, int dt, int64_t off, int64_t stride);
void store_i64(const int64_t *in, int64_t n, void *base, int dt, int64_t off, int64_t stride);

}  // namespace tl
