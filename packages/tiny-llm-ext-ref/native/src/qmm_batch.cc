// The batch kernel: y (M x O) = x (M x K) @ W.T for a decode step of a batch of
// requests (week 2, day 6), kDecodeMaxM < M <= kBatchMaxM rows.
//
// A decode step of B requests multiplies B rows of x by every matrix of the model. The
// weights are the same for every row, so the kernel reads each weight once and
// multiplies it into all B rows while it sits in registers; the step then costs
// arithmetic, not B reads of the weights. Unlike the decode kernel, which keeps the
// codes as integers and pays per row for exactness (qmm_decode_int.h), this one
// dequantizes each vector of codes once, w = s * q + b in float32, and shares it:
//
//   y[m, o] = sum_k x[m, k] * w[o, k]      one FMA per weight and row of x
//
// One feature at a time against a block of rows of x: each vector of weights is
// dequantized once and multiplied into every row of the block, the x vectors coming
// straight from L1 as the FMAs' memory operands (two loads and two FMAs a cycle), x
// packed so that they are consecutive.
#include <algorithm>
#include <vector>

#include "qmm.h"
#include "qmm_simd.h"
#include "qmm_x.h"
#include "tiny-llm/aligned.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

namespace tl {
namespace {

using qmm::Portable;
using qmm::Simd;

// Rows of x per block: MB accumulators of the 16 (AVX2; NEON's 8-float vectors are
// pairs of its 32) or 32 (AVX-512) vector registers, leaving room for the codes, scale
// and bias. The last block of a batch, if it has 4 rows or fewer, has MB = 4.
constexpr int kBlockRows = 8;

inline int block_rows(int64_t M, int64_t m0) { return M - m0 > 4 ? kBlockRows : 4; }

// Inputs per slice of K: one slice of a block of x is 16 KiB, which stays in L1 while
// every feature of a thread's share reads it (Qwen2's down_proj, K = 4864, would
// otherwise stream 150 KiB of x from L2 for each feature). A multiple of every group size.
constexpr int64_t kSliceK = 512;

// How many features ahead batch_range prefetches codes.
constexpr int64_t kPrefetchRows = 4;

// x packed for the kernel, block by block of rows (block m0 at xp + m0 * K): step by step
// of 2L inputs, the block's MB rows' steps one after another, each arranged for T
// (arrange_step). A last block short of MB rows is padded with zeros. On cache lines: the
// FMAs load x in full vectors (Qwen2-0.5B's 4-bit products of 8 rows, 24 layers: 46.7 ->
// 34.7 ms against a malloc block's 16-byte alignment).
template <typename T>
CacheLineVector<float> pack_x(const QuantizedMatmulArgs &a) {
  constexpr int S = 2 * T::L;
  CacheLineVector<float> xp(size_t((a.M + kBlockRows) * a.K), 0.0f);
  for (int64_t m0 = 0; m0 < a.M; m0 += kBlockRows) {
    const int MB = block_rows(a.M, m0), rows = int(std::min<int64_t>(MB, a.M - m0));
    float *block = xp.data() + m0 * a.K;
    for (int m = 0; m < rows; ++m)
      for (int64_t k = 0; k < a.K; k += S) qmm::arrange_step<T>(a.bits, a.x + (m0 + m) * a.ldx + k, block + k * MB + m * S);
  }
  return xp;
}

// y[m0 .. m0+MB), feature o, inputs [k0, k1) (whole groups), for traits T, BITS-bit
// codes, scales of dtype SDT; xb: the block of x (pack_x). Sets y at k0 = 0, else adds.
template <typename T, int BITS, int SDT, int MB>
void batch_block(const QuantizedMatmulArgs &a, const float *xb, int64_t m0, int64_t o, int64_t k0, int64_t k1) {
  using V = typename T::V;
  constexpr int L = T::L, step_bytes = 2 * L * BITS / 8;  // 2L codes
  const int64_t gs = a.group_size, steps = gs / (2 * L);
  const uint8_t *q = reinterpret_cast<const uint8_t *>(a.w + o * a.ldw) + k0 * BITS / 8;
  V acc[MB];
  for (int m = 0; m < MB; ++m) acc[m] = T::zero();
  const float *xk = xb + k0 * MB;
  for (int64_t g = k0 / gs; g < k1 / gs; ++g) {
    const V s = T::splat(simd::load1<SDT>(a.scales, o * a.lds + g)), b = T::splat(simd::load1<SDT>(a.biases, o * a.ldb + g));
    for (int64_t i = 0; i < steps; ++i, xk += 2 * L * MB, q += step_bytes) {
      V w0, w1;
      if (BITS == 4) {
        T::codes4(q, w0, w1);
      } else {
        w0 = T::codes8(q);
        w1 = T::codes8(q + L);
      }
      w0 = T::fma(w0, s, b);
      w1 = T::fma(w1, s, b);
      for (int m = 0; m < MB; ++m) acc[m] = T::fma(w1, T::load(xk + 2 * L * m + L), T::fma(w0, T::load(xk + 2 * L * m), acc[m]));
    }
  }
  const int rows = int(std::min<int64_t>(MB, a.M - m0));
  for (int m = 0; m < rows; ++m) {
    float &y = a.y[(m0 + m) * a.ldy + o];
    y = (k0 == 0 ? 0.0f : y) + T::hsum(acc[m]);
  }
}

// Features [o0, o1): slice by slice of K, every block of rows against every feature.
template <typename T, int BITS, int SDT>
void batch_range(const QuantizedMatmulArgs &a, const float *xp, int64_t o0, int64_t o1) {
  for (int64_t k0 = 0; k0 < a.K; k0 += kSliceK) {
    const int64_t k1 = std::min(a.K, k0 + kSliceK);
    const int64_t b0 = k0 * BITS / 8, b1 = k1 * BITS / 8;  // the slice's bytes of a row's codes
    for (int64_t m0 = 0; m0 < a.M; m0 += kBlockRows) {
      const float *xb = xp + m0 * a.K;
      for (int64_t o = o0; o < o1; ++o) {
        // The slice of a row a few rows on: read a slice at a time, rows stride the
        // hardware prefetchers do not follow far enough ahead.
        if (m0 == 0 && o + kPrefetchRows < o1) {
          const char *ahead = reinterpret_cast<const char *>(a.w + (o + kPrefetchRows) * a.ldw);
          for (int64_t c = b0; c < b1; c += 64) __builtin_prefetch(ahead + c);
        }
        if (block_rows(a.M, m0) == kBlockRows) {
          batch_block<T, BITS, SDT, kBlockRows>(a, xb, m0, o, k0, k1);
        } else {
          batch_block<T, BITS, SDT, 4>(a, xb, m0, o, k0, k1);
        }
      }
    }
  }
}

template <typename T, int BITS, int SDT>
void batch(const QuantizedMatmulArgs &a) {
  const auto xp = pack_x<T>(a);
  parallel_rows(a.O, a.K * BITS / 8, [&](int64_t o0, int64_t o1) { batch_range<T, BITS, SDT>(a, xp.data(), o0, o1); });
}

template <typename T>
void batch_bits(const QuantizedMatmulArgs &a) {
  dispatch_bits_sdt(a, [&](auto bits, auto sdt) { batch<T, decltype(bits)::value, decltype(sdt)::value>(a); });
}

}  // namespace

void qmm_batch(const QuantizedMatmulArgs &a) {
  if (a.M <= 0 || a.O <= 0) return;
  if (a.portable) return batch_bits<Portable>(a);
  batch_bits<Simd>(a);
}

}  // namespace tl
