// The arm64 decode kernel with the dot-product instructions (SDOT, ARMv8.2's dotprod:
// every Apple M-series core, Graviton 2+, Cortex-A76+): y (M x O) = x (M x K) @ W.T for
// M <= kDecodeMaxM, with exact integer products, as the x86 integer kernel
// (qmm_decode_int.h) computes them, instead of an int->float conversion and an FMA per
// weight (qmm_decode.cc's float path, which NEON without dotprod runs).
//
// Every group of x is scaled to integers X of 23 bits and a sign, x ~ sx * X with
// sx = max|x| / (2^23 - 2^16) over the group, and X split into three signed-byte digits,
// X = hi * 2^16 + mid * 2^8 + lo. Per row o and group g, with codes q, scale s, bias b:
//
//   sum_k x[k] * (s * q[k] + b)  =  (s * sx) * sum_k X[k] * q[k]  +  b * sum_k x[k]
//
// and sum_k X[k] * q[k] is three exact integer sums, one per digit, 16 products per
// vdotq_s32 (signed bytes, four products summed into each int32 lane):
//   4-bit: a block of 32 codes is 16 bytes; the low nibbles are the even inputs' codes,
//     the high nibbles the odd ones' (0..15, valid signed bytes); x's digits are laid out
//     to match: even inputs' 16 bytes, then the odd inputs'.
//   8-bit: a block is 32 bytes, codes 0..255, taken as the signed bytes q - 128 (an XOR
//     of the top bit), so sum X * q = sum X * (q - 128) + 128 * sum X; the last term is
//     per group of x, computed once per call.
// A lane's sums stay below 2^24 (32 products of at most 128 * 128 per group of 128), so
// each converts to float exactly; the digits are combined in float, once per group.
// Every group size (32, 64, 128) is whole blocks, so a block never straddles two groups.
#pragma once

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
#include <arm_neon.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "qmm.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

#define TL_QMM_DOT 1

namespace tl {
namespace qmm {

constexpr int kDotBlock = 32;             // codes per block
constexpr int kDotBlockXBytes = 3 * 32;   // the three digits of a block's 32 inputs
constexpr float kDotMax = 8323072.0f;     // 2^23 - 2^16: hi stays within a signed byte

// x as the kernel reads it: per row m, every block's digits (row_bytes), and per group
// sx, sum x, and (8-bit codes) the correction 128 * sx * sum X.
struct DotX {
  std::vector<int8_t> parts;
  std::vector<float> sx, xsum, corr;
  int64_t row_bytes, G;

  DotX(const QuantizedMatmulArgs &a)
      : row_bytes(a.K / kDotBlock * kDotBlockXBytes), G(a.K / a.group_size) {
    parts.resize(size_t(a.M * row_bytes));
    sx.resize(size_t(a.M * G));
    xsum.resize(size_t(a.M * G));
    corr.resize(size_t(a.M * G));
    const int64_t gs = a.group_size;
    for (int64_t m = 0; m < a.M; ++m) {
      const float *x = a.x + m * a.ldx;
      for (int64_t g = 0; g < G; ++g) {
        const float *xg = x + g * gs;
        float amax = 0.0f, sum = 0.0f;
        for (int64_t k = 0; k < gs; ++k) amax = std::max(amax, std::fabs(xg[k])), sum += xg[k];
        const float inv = amax > 0.0f ? kDotMax / amax : 0.0f;
        int64_t sum_x = 0;
        for (int64_t k = 0; k < gs; ++k) {
          const int32_t X = int32_t(std::lrint(std::min(kDotMax, std::max(-kDotMax, xg[k] * inv))));
          sum_x += X;
          // Balanced digits: lo and mid in [-128, 127] (their bytes' sign-extension).
          const int32_t lo = int8_t(X & 0xFF), v1 = (X - lo) / 256, mid = int8_t(v1 & 0xFF), hi = (v1 - mid) / 256;
          const int64_t i = g * gs + k, j = i % kDotBlock;
          const int64_t pos = a.bits == 4 ? (j & 1) * 16 + (j >> 1) : j;
          int8_t *block = parts.data() + m * row_bytes + i / kDotBlock * kDotBlockXBytes;
          block[pos] = int8_t(lo), block[32 + pos] = int8_t(mid), block[64 + pos] = int8_t(hi);
        }
        const size_t at = size_t(m * G + g);
        sx[at] = amax / kDotMax;
        xsum[at] = sum;
        corr[at] = 128.0f * sx[at] * float(sum_x);
      }
    }
  }
};

// y[:, o] for M rows of x, BITS-bit codes, scales and biases of dtype SDT.
template <int BITS, int M, int SDT>
void dot_row(const QuantizedMatmulArgs &a, const DotX &x, int64_t o) {
  const uint8_t *q = reinterpret_cast<const uint8_t *>(a.w + o * a.ldw);
  const void *srow = simd::elem_ptr(a.scales, SDT, o * a.lds), *brow = simd::elem_ptr(a.biases, SDT, o * a.ldb);
  const int64_t blocks = a.group_size / kDotBlock;
  float32x4_t acc[M];
  float rest[M];  // the biases' share, and the 8-bit codes' correction
  for (int m = 0; m < M; ++m) acc[m] = vdupq_n_f32(0.0f), rest[m] = 0.0f;
  const int8_t *xb = x.parts.data();  // the current block's digits (row m at + m * row_bytes)
  for (int64_t g = 0; g < x.G; ++g) {
    int32x4_t s0[M], s1[M], s2[M];  // lo, mid, hi digit sums
    for (int m = 0; m < M; ++m) s0[m] = s1[m] = s2[m] = vdupq_n_s32(0);
    for (int64_t b = 0; b < blocks; ++b, xb += kDotBlockXBytes) {
      prefetch_codes(q);
      int8x16_t c0, c1;
      if (BITS == 4) {
        const uint8x16_t v = vld1q_u8(q);
        c0 = vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(15)));
        c1 = vreinterpretq_s8_u8(vshrq_n_u8(v, 4));
        q += 16;
      } else {
        c0 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(q), vdupq_n_u8(0x80)));
        c1 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(q + 16), vdupq_n_u8(0x80)));
        q += 32;
      }
      for (int m = 0; m < M; ++m) {
        const int8_t *p = xb + m * x.row_bytes;
        s0[m] = vdotq_s32(vdotq_s32(s0[m], c0, vld1q_s8(p)), c1, vld1q_s8(p + 16));
        s1[m] = vdotq_s32(vdotq_s32(s1[m], c0, vld1q_s8(p + 32)), c1, vld1q_s8(p + 48));
        s2[m] = vdotq_s32(vdotq_s32(s2[m], c0, vld1q_s8(p + 64)), c1, vld1q_s8(p + 80));
      }
    }
    const float s = simd::load1<SDT>(srow, g), bias = simd::load1<SDT>(brow, g);
    for (int m = 0; m < M; ++m) {
      const size_t at = size_t(m * x.G + g);
      float32x4_t v = vfmaq_n_f32(vcvtq_f32_s32(s0[m]), vcvtq_f32_s32(s1[m]), 256.0f);
      v = vfmaq_n_f32(v, vcvtq_f32_s32(s2[m]), 65536.0f);
      acc[m] = vfmaq_n_f32(acc[m], v, s * x.sx[at]);
      rest[m] += bias * x.xsum[at] + (BITS == 8 ? s * x.corr[at] : 0.0f);
    }
  }
  for (int m = 0; m < M; ++m) a.y[m * a.ldy + o] = vaddvq_f32(acc[m]) + rest[m];
}

template <int BITS, int M, int SDT>
void dot_decode(const QuantizedMatmulArgs &a) {
  const DotX x(a);
  parallel_rows(a.O, a.K * BITS / 8, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) dot_row<BITS, M, SDT>(a, x, o);
  });
}

// Runs the dot-product kernel and returns true, or returns false for a group size that
// is not whole blocks (none of the supported ones).
inline bool dot_decode_bits(const QuantizedMatmulArgs &a) {
  if (a.group_size % kDotBlock != 0 || a.K % a.group_size != 0) return false;
  dispatch_decode(a, [&](auto bits, auto m, auto sdt) { dot_decode<decltype(bits)::value, decltype(m)::value, decltype(sdt)::value>(a); });
  return true;
}

}  // namespace qmm
}  // namespace tl
#endif
