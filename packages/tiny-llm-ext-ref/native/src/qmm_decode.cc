// The decode kernel: y (M x O) = x (M x K) @ W.T for M <= kDecodeMaxM.
//
// Memory-bound: every packed byte of W is read once, at the machine's read bandwidth
// if the arithmetic keeps up. On x86 (AVX2, AVX-512) that takes integer products:
// qmm_decode_int.h; on arm64 with the dot-product instructions, qmm_decode_dot.h. This
// file is the float path, for TINY_LLM_KERNELS=portable, NEON without dotprod, and x86
// shapes the integer kernel does not take. Threads split the output features
// o. Per row o and group g of group_size inputs, with codes q, scale s and bias b:
//
//   sum_k x[k] * (s * q[k] + b)  =  s * sum_k x[k] * q[k]  +  b * sum_k x[k]
//
// so the inner loop is one FMA per code (x times the code, unpacked to float), the
// scale one multiply-add per group, and the bias one more per group with sum_k x[k],
// which is computed once per call. R output rows are processed together so that each
// accumulator's FMA chain has time to finish before its next FMA.
#include <algorithm>
#include <numeric>
#include <vector>

#include "qmm.h"
#include "qmm_decode_dot.h"
#include "qmm_decode_int.h"
#include "qmm_simd.h"
#include "qmm_x.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

namespace tl {
namespace {

using qmm::Portable;
using qmm::Simd;

// x laid out for traits T (layout_x), and every group's sum of x.
template <typename T>
void prepare_x(const QuantizedMatmulArgs &a, float *xp, float *xsum) {
  qmm::layout_x<T>(a, xp);
  const int64_t K = a.K, G = K / a.group_size;
  for (int64_t m = 0; m < a.M; ++m)
    for (int64_t g = 0; g < G; ++g) {
      const float *x = a.x + m * a.ldx + g * a.group_size;
      xsum[m * G + g] = std::accumulate(x, x + a.group_size, 0.0f);
    }
}

// y[:, o .. o+R) for traits T, BITS-bit codes, M rows of x, scales of dtype SDT.
template <typename T, int BITS, int M, int R, int SDT>
void decode_rows(const QuantizedMatmulArgs &a, const float *xp, const float *xsum, int64_t o) {
  using V = typename T::V;
  constexpr int L = T::L;
  constexpr int step_bytes = 2 * L * BITS / 8;  // 2L codes
  const int64_t K = a.K, G = K / a.group_size, steps = a.group_size / (2 * L);
  const uint8_t *q[R];
  for (int r = 0; r < R; ++r) q[r] = reinterpret_cast<const uint8_t *>(a.w + (o + r) * a.ldw);
  V total[R][M];
  for (int r = 0; r < R; ++r)
    for (int m = 0; m < M; ++m) total[r][m] = T::zero();

  const float *xg = xp;
  for (int64_t g = 0; g < G; ++g) {
    V acc[R][M], acc2[R][M];
    for (int r = 0; r < R; ++r)
      for (int m = 0; m < M; ++m) acc[r][m] = T::zero(), acc2[r][m] = T::zero();
    for (int r = 0; r < R; ++r) prefetch_codes(q[r]);
    // 2L inputs per step: one codes4 (4-bit) or two codes8 (8-bit) per row.
#pragma GCC unroll 4
    for (int64_t i = 0; i < steps; ++i, xg += 2 * L) {
      V x0[M], x1[M];
      for (int m = 0; m < M; ++m) x0[m] = T::load(xg + m * K), x1[m] = T::load(xg + m * K + L);
      for (int r = 0; r < R; ++r) {
        V c0, c1;
        if (BITS == 4) {
          T::codes4(q[r], c0, c1);
        } else {
          c0 = T::codes8(q[r]);
          c1 = T::codes8(q[r] + L);
        }
        q[r] += step_bytes;
        for (int m = 0; m < M; ++m) acc[r][m] = T::fma(c0, x0[m], acc[r][m]), acc2[r][m] = T::fma(c1, x1[m], acc2[r][m]);
      }
    }
    for (int r = 0; r < R; ++r) {
      const V s = T::splat(simd::load1<SDT>(a.scales, (o + r) * a.lds + g));
      for (int m = 0; m < M; ++m) total[r][m] = T::fma(s, T::add(acc[r][m], acc2[r][m]), total[r][m]);
    }
  }
  // The biases' share, sum_g bias[g] * sum(x over group g), once per row.
  for (int r = 0; r < R; ++r) {
    float bsum[M] = {};
    for (int64_t g = 0; g < G; ++g) {
      const float b = simd::load1<SDT>(a.biases, (o + r) * a.ldb + g);
      for (int m = 0; m < M; ++m) bsum[m] += b * xsum[m * G + g];
    }
    for (int m = 0; m < M; ++m) a.y[m * a.ldy + o + r] = T::hsum(total[r][m]) + bsum[m];
  }
}

// Rows [o0, o1): blocks of R rows, then the rest one at a time.
template <typename T, int BITS, int M, int SDT>
void decode_range(const QuantizedMatmulArgs &a, const float *xp, const float *xsum, int64_t o0, int64_t o1) {
  constexpr int R = M <= 2 ? 2 : 1;
  int64_t o = o0;
  for (; o + R <= o1; o += R) decode_rows<T, BITS, M, R, SDT>(a, xp, xsum, o);
  for (; o < o1; ++o) decode_rows<T, BITS, M, 1, SDT>(a, xp, xsum, o);
}

template <typename T, int BITS, int M, int SDT>
void decode(const QuantizedMatmulArgs &a) {
  std::vector<float> xp(size_t(a.M * a.K)), xsum(size_t(a.M * (a.K / a.group_size)));
  prepare_x<T>(a, xp.data(), xsum.data());
  parallel_rows(a.O, a.K * BITS / 8, [&](int64_t o0, int64_t o1) { decode_range<T, BITS, M, SDT>(a, xp.data(), xsum.data(), o0, o1); });
}

template <typename T>
void decode_bits(const QuantizedMatmulArgs &a) {
  dispatch_decode(a, [&](auto bits, auto m, auto sdt) { decode<T, decltype(bits)::value, decltype(m)::value, decltype(sdt)::value>(a); });
}

}  // namespace

void qmm_decode(const QuantizedMatmulArgs &a) {
  if (a.M <= 0 || a.O <= 0) return;
  if (a.portable) {
    decode_bits<Portable>(a);
    return;
  }
#ifdef TL_QMM_INT
  if (qmm::int_decode_bits(a)) return;
#endif
#ifdef TL_QMM_DOT
  if (qmm::dot_decode_bits(a)) return;
#endif
  decode_bits<Simd>(a);
}

}  // namespace tl
