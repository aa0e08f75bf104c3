// The prefill kernel: y (M x O) = x (M x K) @ W.T for many rows of x.
//
// Compute-bound, so it runs the array core's register-blocked GEMM (tl::gemm_packed_b)
// with B = W.T given by a packing function: whenever the GEMM needs a kc x 16 panel
// of B (16 output features, kc inputs) in its cache-resident buffer, the panel is
// dequantized straight from the packed codes. The whole matrix is never dequantized;
// each weight is unpacked once per call (per thread's share of the columns) and then
// reused across all M rows.
#include <algorithm>
#include <vector>

#include "qmm.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/gemm.h"
#include "tiny-llm/simd.h"

namespace tl {
namespace {

constexpr int NR = kGemmNR;

typedef uint32_t v8u __attribute__((vector_size(32)));

// Row o of W, inputs [k0, k0 + n), dequantized into out (k0 and n multiples of the group size).
template <int BITS, int SDT, bool SIMD>
void dequant_row(const QuantizedMatmulArgs &a, int64_t o, int64_t k0, int64_t n, float *out) {
  constexpr int per_word = 32 / BITS;
  constexpr uint32_t mask = (1u << BITS) - 1;
  const uint32_t *w = a.w + o * a.ldw;
  for (int64_t k = k0; k < k0 + n; k += a.group_size) {
    const int64_t g = k / a.group_size;
    const float s = simd::load1<SDT>(a.scales, o * a.lds + g), b = simd::load1<SDT>(a.biases, o * a.ldb + g);
    float *dst = out + (k - k0);
    if (SIMD) {
      // 8 codes per vector: one word's 8 nibbles, or two words' 4 bytes.
      const v8u shift = BITS == 4 ? v8u{0, 4, 8, 12, 16, 20, 24, 28} : v8u{0, 8, 16, 24, 0, 8, 16, 24};
      for (int64_t i = 0; i < a.group_size; i += 8) {
        const uint32_t *wi = w + (k + i) / per_word;
        const v8u words = BITS == 4 ? v8u{wi[0], wi[0], wi[0], wi[0], wi[0], wi[0], wi[0], wi[0]}
                                    : v8u{wi[0], wi[0], wi[0], wi[0], wi[1], wi[1], wi[1], wi[1]};
        const simd::v8sf q = __builtin_convertvector((words >> shift) & mask, simd::v8sf);
        simd::storeu(dst + i, q * s + b);
      }
    } else {
      for (int64_t i = 0; i < a.group_size; ++i) {
        const uint32_t code = (w[(k + i) / per_word] >> ((k + i) % per_word * BITS)) & mask;
        dst[i] = float(code) * s + b;
      }
    }
  }
}

// tile (16 rows of kc floats) -> panel (kc rows of 16 floats); kc a multiple of 8.
template <bool SIMD>
void transpose_tile(const float *tile, int64_t kc, float *panel) {
#if defined(__AVX__)
  if (SIMD) {
    for (int h = 0; h < NR; h += 8)
      for (int64_t k = 0; k < kc; k += 8) {
        const float *t = tile + h * kc + k;
        __m256 r0 = _mm256_loadu_ps(t), r1 = _mm256_loadu_ps(t + kc), r2 = _mm256_loadu_ps(t + 2 * kc);
        __m256 r3 = _mm256_loadu_ps(t + 3 * kc), r4 = _mm256_loadu_ps(t + 4 * kc), r5 = _mm256_loadu_ps(t + 5 * kc);
        __m256 r6 = _mm256_loadu_ps(t + 6 * kc), r7 = _mm256_loadu_ps(t + 7 * kc);
        simd::store_transposed8(panel + k * NR + h, NR, r0, r1, r2, r3, r4, r5, r6, r7);
      }
    return;
  }
#elif defined(TL_SIMD_NEON)
  if (SIMD) {
    for (int h = 0; h < NR; h += 8)
      for (int64_t k = 0; k < kc; k += 8) {
        simd::v8sf r[8];
        for (int i = 0; i < 8; ++i) r[i] = simd::loadu(tile + (h + i) * kc + k);
        simd::store_transposed8(panel + k * NR + h, NR, r);
      }
    return;
  }
#endif
  for (int64_t k = 0; k < kc; ++k)
    for (int j = 0; j < NR; ++j) panel[k * NR + j] = tile[j * kc + k];
}

// tl::PackB's function: B[pc:pc+kc, jc:jc+nc] = W[jc:jc+nc, pc:pc+kc].T, dequantized.
template <int BITS, int SDT, bool SIMD>
void pack_panels(const void *ctx, int64_t pc, int64_t kc, int64_t jc, int64_t nc, float *dst) {
  const auto &a = *static_cast<const QuantizedMatmulArgs *>(ctx);
  thread_local std::vector<float> tile;
  tile.resize(size_t(NR * kc));
  for (int64_t p = 0; p < nc; p += NR) {
    const int nr = int(std::min<int64_t>(NR, nc - p));
    for (int j = 0; j < nr; ++j) dequant_row<BITS, SDT, SIMD>(a, jc + p + j, pc, kc, tile.data() + j * kc);
    std::fill(tile.begin() + nr * kc, tile.end(), 0.0f);
    transpose_tile<SIMD>(tile.data(), kc, dst + p * kc);
  }
}

template <int BITS, int SDT>
PackB::Fn packer(bool portable) {
  return portable ? pack_panels<BITS, SDT, false> : pack_panels<BITS, SDT, true>;
}

}  // namespace

void qmm_prefill(const QuantizedMatmulArgs &a) {
  PackB::Fn fn;
  dispatch_bits_sdt(a, [&](auto bits, auto sdt) { fn = packer<decltype(bits)::value, decltype(sdt)::value>(a.portable); });
  const MatRef x{a.x, F32, 0, a.ldx, 1};
  gemm_packed_b(a.M, a.O, a.K, x, PackB{fn, &a, a.group_size}, a.y, a.ldy);
}

}  // namespace tl
