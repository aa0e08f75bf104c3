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

// The conversions below are branch-free (selects only) so that row loops using them
// vectorise.

// Round to nearest even; NaN stays a (quiet) NaN.
inline uint16_t f32_to_bf16(float f) {
  uint32_t u = f32_to_bits(f);
  uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  uint32_t nan = (u >> 16) | 0x40u;
  return uint16_t((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
}

inline float f16_to_f32(uint16_t h) {
  uint32_t o = uint32_t(h & 0x7fffu) << 13;  // exponent and mantissa in place
  uint32_t e = o & 0x0f800000u;
  uint32_t normal = o + 0x38000000u;          // rebias exponent by 127 - 15
  uint32_t infnan = o + 0x70000000u;          // exponent 31 -> 255
  // Subnormal: mant * 2^-24, computed as (2^-14 + mant * 2^-24) - 2^-14.
  uint32_t sub = f32_to_bits(bits_to_f32(o + 0x38800000u) - 6.103515625e-05f);
  uint32_t r = e == 0x0f800000u ? infnan : (e == 0 ? sub : normal);
  return bits_to_f32(r | (uint32_t(h & 0x8000u) << 16));
}

// Round to nearest even, with overflow to inf and gradual underflow.
inline uint16_t f32_to_f16(float f) {
  uint32_t u = f32_to_bits(f);
  uint32_t sign = (u >> 16) & 0x8000u;
  uint32_t a = u & 0x7fffffffu;
  uint32_t infnan = a > 0x7f800000u ? 0x7e00u : 0x7c00u;
  // Below 2^-14: adding 0.5 (ulp 2^-24) rounds the value to a multiple of the f16
  // subnormal step in the FPU; the low mantissa bits are then the f16 bits.
  uint32_t sub = f32_to_bits(bits_to_f32(a) + 0.5f) - 0x3f000000u;
  // Normal: rebias the exponent (-112 << 23) and round to even on bit 13
  // (a carry into exponent 31 gives inf for values >= 65520).
  uint32_t norm = (a + 0xc8000fffu + ((a >> 13) & 1u)) >> 13;
  uint32_t r = a >= 0x47800000u ? infnan : (a < 0x38800000u ? sub : norm);
  return uint16_t(sign | r);
}

// Load n elements (stride in elements) of dtype dt into float / int64 buffers.
void load_f32(const void *base, int dt, int64_t off, int64_t stride, int64_t n, float *out);
void load_i64(const void *base, int dt, int64_t off, int64_t stride, int64_t n, int64_t *out);
// Store n values into dtype dt (stride in elements).
void store_f32(const float *in, int64_t n, void *base, int dt, int64_t off, int64_t stride);
void store_i64(const int64_t *in, int64_t n, void *base, int dt, int64_t off, int64_t stride);

// Rows are converted through stack buffers of this many elements.
constexpr int64_t kChunk = 512;

// n float32 values of a row: the row itself when it is contiguous float32 (no
// copy), else converted into buf (which holds at least n floats).
inline const float *row_f32(const void *base, int dt, int64_t off, int64_t stride, int64_t n, float *buf) {
  if (dt == F32 && stride == 1) return static_cast<const float *>(base) + off;
  load_f32(base, dt, off, stride, n, buf);
  return buf;
}

// Where to write n float32 results bound for a row: the row itself when it is
// contiguous float32, else buf; finish_f32 stores buf into the row when needed.
inline float *out_f32(void *base, int dt, int64_t off, int64_t stride, float *buf) {
  return (dt == F32 && stride == 1) ? static_cast<float *>(base) + off : buf;
}
inline void finish_f32(const float *out, const float *buf, int64_t n, void *base, int dt, int64_t off, int64_t stride) {
  if (out == buf) store_f32(buf, n, base, dt, off, stride);
}

}  // namespace tl
