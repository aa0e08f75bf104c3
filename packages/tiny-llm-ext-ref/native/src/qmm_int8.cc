// The int8 kernel: y (M x O) = x (M x K) @ W.T for more rows than the decode kernel takes
// (a batch's decode step, a prefill), with int8 activations (a.xq, int8_activations.h)
// and 4-bit codes, on x86 (AVX2, AVX-512).
//
// x arrives as integers X in [-127, 127] with a scale sx per group (x̂ = sx * X), so a
// group's products are bytes times bytes. Per row m of x, feature o, group g with the
// weights' scale s and bias b:
//
//   y[m, o] = sum_g (s[o,g] * sx[m,g]) * sum_{k in g} X[m,k] * q[o,k]
//           + sum_g  b[o,g] * (sx[m,g] * sum_{k in g} X[m,k])
//
// The inner sum is exact in integers: vpmaddubsw multiplies the unsigned codes by the
// signed X, 32 at a time on AVX2, and sums pairs to int16 (at most 2 * 15 * 127 per pair,
// four pairs per lane of a 128-input group: no saturation); vpmaddwd sums those to int32.
// Each group's int32 lanes then become floats and take the group's factor in one FMA. Per
// row of x and 64 weights that is six vector instructions, against eight FMAs and a share
// of the dequantization in the float kernels (qmm_batch.cc, qmm_prefill.cc): llama.cpp's
// trade (Q4_0 weights times Q8_0 activations), here on MLX's affine layout. With VNNI
// (vpdpbusd: products summed four at a time straight into int32) it is four.
//
// One feature o against a tile of kTileRows rows of x at a time, as in qmm_batch.cc: each
// vector of codes is loaded and split into its nibbles once and multiplied into every row
// of the tile. K goes in slices of kSliceK inputs and the features in runs of kRunBytes of
// codes, so that a tile's slice of X and a run's codes stay in L1 while the run passes.
#include <algorithm>
#include <vector>

#include "qmm.h"
#include "qmm_decode_int.h"
#include "qmm_int_simd.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

#ifdef TL_QMM_INT
namespace tl {
namespace {

using qmm::chunk_factors;
using qmm::IntSimd;
using Lay = qmm::IntLayout<IntSimd, 4, 1>;
using I = IntSimd::I;
using F = IntSimd::F;

constexpr int kTileRows = 4;
// A tile's slice of X is kTileRows * kSliceK bytes (16 KiB), which stays in L1 while the
// thread's features stream past it; a multiple of every chunk.
constexpr int64_t kSliceK = 4096;
// Bytes of codes in a run of features that a tile of X meets in turn.
constexpr int64_t kRunBytes = 12 << 10;
// How many features ahead the kernel prefetches a row of codes.
constexpr int64_t kPrefetchRows = 4;

// x as the kernel reads it, rows padded with zeros to whole tiles.
struct X8 {
  int64_t rows, Gpad;          // M rounded up to kTileRows; G rounded up to a vector of floats
  std::vector<int8_t> parts;   // rows x K: X in the units' order (qmm::int8_unit_order)
  std::vector<float> sx, xs;   // rows x Gpad: sx, and sx * the group's sum of X

  explicit X8(const QuantizedMatmulArgs &a)
      : rows((a.M + kTileRows - 1) / kTileRows * kTileRows),
        Gpad((a.K / a.group_size + IntSimd::L - 1) / IntSimd::L * IntSimd::L),
        parts(size_t(rows * a.K), 0), sx(size_t(rows * Gpad), 0.0f), xs(size_t(rows * Gpad), 0.0f) {
    const int64_t G = a.K / a.group_size;
    for (int64_t m = 0; m < a.M; ++m) {
      const int8_t *X = a.xq + m * a.K;
      qmm::int8_unit_order<IntSimd>(X, a.K, parts.data() + m * a.K);
      for (int64_t g = 0; g < G; ++g) {
        int sum = 0;
        for (int64_t i = 0; i < a.group_size; ++i) sum += X[g * a.group_size + i];
        const float s = a.xq_scale[m * G + g];
        sx[size_t(m * Gpad + g)] = s;
        xs[size_t(m * Gpad + g)] = s * float(sum);
      }
    }
  }
};

// One feature's codes (q, at the slice's first input) against a tile's rows of X (xp, at
// the slice; row m at + m * K), `chunks` chunks of UNITS vectors of codes: acc[m] = the
// sum over groups of a group's integer sum times its factor (ws[m * wstride + the group
// within the slice]), in lanes. GROUPS per chunk: 1, or 2 or 4 with lane i's group
// lanes[i].
template <int UNITS, int GROUPS>
inline void tile_products(const uint8_t *q, const int8_t *xp, int64_t K, int64_t chunks, const float *ws,
                          int64_t wstride, I lanes, F (&acc)[kTileRows]) {
  constexpr int VB = IntSimd::VB;
  const I nib = IntSimd::set8(15), one = IntSimd::set16(1);
  // Sums in locals, not in acc: stores through acc could alias ws (vector types may alias
  // floats), which would keep the compiler writing them back every chunk.
  F r[kTileRows];
  for (int m = 0; m < kTileRows; ++m) r[m] = IntSimd::fzero();
  for (int64_t c = 0; c < chunks; ++c) {
    I s[kTileRows];  // the chunk's sums: int16 pairs, or with VNNI int32
    for (int u = 0; u < UNITS; ++u, q += VB, xp += 2 * VB) {
      const I b = IntSimd::load(q), ce = IntSimd::andb(b, nib), co = IntSimd::andb(IntSimd::srl16(b, 4), nib);
      for (int m = 0; m < kTileRows; ++m) {
        const int8_t *xm = xp + m * K;
        if (IntSimd::kDot) {
          const I z = u == 0 ? IntSimd::zero() : s[m];
          s[m] = IntSimd::dpbusd(IntSimd::dpbusd(z, ce, IntSimd::load(xm)), co, IntSimd::load(xm + VB));
          continue;
        }
        const I p = IntSimd::add16(IntSimd::maddubs(ce, IntSimd::load(xm)), IntSimd::maddubs(co, IntSimd::load(xm + VB)));
        s[m] = u == 0 ? p : IntSimd::add16(s[m], p);
      }
    }
    for (int m = 0; m < kTileRows; ++m) {
      const float *w = ws + m * wstride + c * GROUPS;
      const F f = chunk_factors<GROUPS>(w, lanes);
      const I sum = IntSimd::kDot ? s[m] : IntSimd::madd(s[m], one);
      r[m] = IntSimd::fma(IntSimd::cvt(sum), f, r[m]);
    }
  }
  for (int m = 0; m < kTileRows; ++m) acc[m] = r[m];
}

// Features [o0, o1) of y.
template <int UNITS, int GROUPS>
void int8_range(const QuantizedMatmulArgs &a, const Lay &lay, const X8 &x, int64_t o0, int64_t o1) {
  constexpr int L = IntSimd::L;
  const int64_t K = a.K, gs = a.group_size, G = K / gs, Gpad = x.Gpad, n = o1 - o0;
  alignas(64) int32_t lane_group[L];
  for (int i = 0; i < L; ++i) lane_group[i] = int32_t(i * Lay::kCodesPerLane / gs);
  const I lanes = IntSimd::lane_index(lane_group);
  // Per-thread buffers, looked up once (thread_local in a shared library costs a call
  // per access): the features' scales and biases as float32, zero past G; a run's group
  // factors against a tile, feature by feature (kTileRows rows of wstride floats each),
  // and its bias terms, computed for the whole run before its products, so that the
  // products' loads never wait on these stores.
  thread_local std::vector<float> tls_sb, tls_ws, tls_bias;
  std::vector<float> &sb = tls_sb, &ws = tls_ws, &bias = tls_bias;
  sb.assign(size_t(2 * n * Gpad), 0.0f);
  for (int64_t o = o0; o < o1; ++o) {
    load_f32(a.scales, a.sdt, o * a.lds, 1, G, sb.data() + (o - o0) * Gpad);
    load_f32(a.biases, a.sdt, o * a.ldb, 1, G, sb.data() + (n + o - o0) * Gpad);
  }
  for (int64_t k0 = 0; k0 < K; k0 += kSliceK) {
    const int64_t k1 = std::min(K, k0 + kSliceK), g0 = k0 / gs, ng = (k1 - k0) / gs;
    const int64_t chunks = (k1 - k0) / Lay::chunk(a), wstride = (ng + 7) / 8 * 8 + L;
    // Features in runs whose slices of codes stay in L1 (kRunBytes) beside a tile's X.
    const int64_t run = std::max<int64_t>(1, kRunBytes / ((k1 - k0) / 2));
    ws.assign(size_t(run * kTileRows * wstride), 0.0f);
    bias.resize(size_t(run * kTileRows));
    for (int64_t r0 = o0; r0 < o1; r0 += run) {
      const int64_t r1 = std::min(o1, r0 + run);
      for (int64_t m0 = 0; m0 < x.rows; m0 += kTileRows) {
        for (int64_t o = r0; o < r1; ++o) {
          const float *sc = sb.data() + (o - o0) * Gpad, *bc = sb.data() + (n + o - o0) * Gpad;
          for (int m = 0; m < kTileRows; ++m) {
            const float *sxm = x.sx.data() + (m0 + m) * Gpad, *xsm = x.xs.data() + (m0 + m) * Gpad;
            float *w = ws.data() + ((o - r0) * kTileRows + m) * wstride;
            for (int64_t g = 0; g < ng; g += 8) simd::storeu(w + g, simd::loadu(sc + g0 + g) * simd::loadu(sxm + g0 + g));
            // The bias term, sum_g b[o,g] * xs[m,g], over all groups with the first slice.
            if (k0 > 0) continue;
            F b = IntSimd::fzero();
            for (int64_t g = 0; g < Gpad; g += L) b = IntSimd::fma(IntSimd::loadf(bc + g), IntSimd::loadf(xsm + g), b);
            bias[size_t((o - r0) * kTileRows + m)] = IntSimd::hsum(b);
          }
        }
        const int8_t *xt = x.parts.data() + m0 * K + k0;
        for (int64_t o = r0; o < r1; ++o) {
          const uint8_t *q = reinterpret_cast<const uint8_t *>(a.w + o * a.ldw) + k0 / 2;
          if (m0 == 0 && o + kPrefetchRows < o1)
            for (int64_t c = 0; c < (k1 - k0) / 2; c += 64) __builtin_prefetch(q + kPrefetchRows * a.ldw * 4 + c);
          F acc[kTileRows];
          tile_products<UNITS, GROUPS>(q, xt, K, chunks, ws.data() + (o - r0) * kTileRows * wstride, wstride, lanes, acc);
          for (int m = 0; m < kTileRows && m0 + m < a.M; ++m) {
            float &y = a.y[(m0 + m) * a.ldy + o];
            y = (k0 == 0 ? bias[size_t((o - r0) * kTileRows + m)] : y) + IntSimd::hsum(acc[m]);
          }
        }
      }
    }
  }
}

template <int UNITS, int GROUPS>
void int8_matmul(const QuantizedMatmulArgs &a, const Lay &lay) {
  const X8 x(a);
  parallel_rows(a.O, a.K / 2, [&](int64_t o0, int64_t o1) { int8_range<UNITS, GROUPS>(a, lay, x, o0, o1); });
}

}  // namespace

bool qmm_int8(const QuantizedMatmulArgs &a) {
  if (a.xq == nullptr || a.bits != 4 || a.portable || !Lay::fits(a)) return false;
  const Lay lay(a);
  if (lay.units_per_chunk == 2) {
    int8_matmul<2, 1>(a, lay);
  } else if (lay.groups_per_chunk == 1) {
    int8_matmul<1, 1>(a, lay);
  } else if (lay.groups_per_chunk == 2) {
    int8_matmul<1, 2>(a, lay);
  } else {
    int8_matmul<1, 4>(a, lay);
  }
  return true;
}

}  // namespace tl
#else
namespace tl {
bool qmm_int8(const QuantizedMatmulArgs &) { return false; }
}  // namespace tl
#endif
