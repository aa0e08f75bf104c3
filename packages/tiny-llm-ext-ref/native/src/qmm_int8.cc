// The int8 kernel: y (M x O) = x (M x K) @ W.T for more rows than the decode kernel takes
// (a batch's decode step, a prefill), with int8 activations (a.xq, int8_activations.h)
// and 4-bit codes, on x86 (AVX2, AVX-512).
//
// x arrives as integers X in [-127, 127] with a scale sx per group (x̂ = sx * X), so a
// group's products are bytes times bytes. Per row m of x, feature o, group g with the
// weights' scale s and bias b:
//
//   y[m, o] = sum_g s[o,g] * sx[m,g] * sum_{k in g} X[m,k] * q[o,k]  +  b[o,g] * xs[m,g]
//
// with xs[m,g] = sx[m,g] * sum_{k in g} X[m,k]. The inner sum is exact in integers: VNNI's
// vpdpbusd multiplies unsigned codes by signed bytes and sums them four at a time into
// int32 lanes (without VNNI: vpmaddubsw to int16 pairs, at most 2 * 15 * 127, then
// vpmaddwd to int32).
//
// The shape of a GEMM (the array core's f32 GEMM, oneDNN's and llama.cpp's int8 kernels):
// a tile of kRows rows of x against a panel of kPanel features keeps kRows x kVecs
// vectors of int32 sums in registers, one feature per lane. A panel is the features'
// codes copied into the order the tile reads them, once per call (the cost of a GEMM's
// packing: read once, used by every tile of x): per block of 8 inputs, kVecs vectors
// whose lane i holds feature i's 32-bit word of that block as stored, 8 codes, the low
// nibbles the block's even inputs and the high nibbles its odd ones. x is laid out to
// match (per block: the 4 even inputs' bytes, then the 4 odd ones'), so one 32-bit
// broadcast of x meets a vector of nibbles in one vpdpbusd. Per block, kVecs loads of
// codes and 2 x kRows broadcasts of x feed 2 x kRows x kVecs vpdpbusd; per group, each
// sum becomes a float and takes its factor and bias term.
//
// On a Xeon with AMX (qmm_amx.h) and 16 rows of x or more, the same sums come from tiles:
// a panel's nibbles unpacked to bytes in the layout of a tile B, x's rows as they are
// the tile A, and one _tile_dpbsud per 16 rows, 16 features and a group's 64 inputs
// (256 vpdpbusd's work). There the floats' part, per group a conversion and two FMAs a
// row of sums, is the larger cost, not the products: a 128-token prefill of Qwen2-0.5B's
// shapes took 154-193 ms against 188-239 with the VNNI tiles (two threads, processes
// alternated; Xeon, family 6 model 207).
#include <algorithm>
#include <vector>

#include "qmm.h"
#include "qmm_amx.h"
#include "qmm_int_simd.h"
#include "tiny-llm/aligned.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/simd.h"

#ifdef TL_QMM_INT
// AVX-512 with masked loads of 16-bit elements (BW) into 256-bit vectors (VL): the
// panel's factors are converted 16 at a time (Panel::columns_as).
#if defined(__AVX512BW__) && defined(__AVX512VL__)
#define TL_QMM_FACTORS16 1
#endif

namespace tl {
namespace {

using qmm::IntSimd;
using I = IntSimd::I;
using F = IntSimd::F;
constexpr int L = IntSimd::L;

// Rows of x per tile and vectors of features per panel. With AVX-512, 8 rows by 2 vectors
// (32 features): the int32 sums take 16 of the 32 registers, a block's 2 vectors of codes
// and their 4 nibble operations serve 8 rows' 32 vpdpbusd, and the float results, touched
// once a group, wait in L1 between groups. 4 rows by 3 vectors, whose float results fit
// in registers too (24), were 7-13% slower at 5 to 16 rows and level to 8% slower at 128
// (Qwen2-0.5B's gate/up and down, two builds alternated in one process, on a Xeon with
// its AMX tiles and without). With AVX2's 16 registers, 4 rows by 1 vector (8 in all).
constexpr int kRows = IntSimd::VB == 64 ? 8 : 4;
constexpr int kVecs = IntSimd::VB == 64 ? 2 : 1;
constexpr int kPanel = kVecs * L;
// Inputs per block: one 32-bit word of 4-bit codes.
constexpr int64_t kBlock = 8;

// x as the tiles read it: rows padded with zeros to whole tiles. The buffers are the
// calling thread's, kept from call to call: fresh ones cost page faults every call.
struct X8 {
  int64_t rows, G;
  int8_t *X;        // rows x K, per block the even inputs, then the odd ones
  float *sx, *xs;   // rows x G: sx, and sx * the group's sum of X

  // Rows padded to a multiple of `tile_rows`.
  X8(const QuantizedMatmulArgs &a, int64_t tile_rows) : rows((a.M + tile_rows - 1) / tile_rows * tile_rows), G(a.K / a.group_size) {
    thread_local std::vector<int8_t> tls_X;
    thread_local std::vector<float> tls_sx;
    tls_X.resize(size_t(rows * a.K));
    tls_sx.resize(size_t(2 * rows * G));
    X = tls_X.data();
    sx = tls_sx.data();
    xs = sx + rows * G;
    std::fill(X + a.M * a.K, X + rows * a.K, int8_t(0));
    std::fill(sx + a.M * G, sx + rows * G, 0.0f);
    std::fill(xs + a.M * G, xs + rows * G, 0.0f);
    parallel_rows(a.M, a.K, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) fill_row(a, m);
    });
  }

 private:
  void fill_row(const QuantizedMatmulArgs &a, int64_t m) {
    const int8_t *src = a.xq + m * a.K;
    int8_t *dst = X + m * a.K;
    // Per 8 bytes: 0 2 4 6 1 3 5 7.
    const __m256i order = _mm256_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15,  //
                                           0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
    for (int64_t k = 0; k < a.K; k += 32) {  // K is a multiple of the group, at least 32
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(src + k));
      _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + k), _mm256_shuffle_epi8(v, order));
    }
    for (int64_t g = 0; g < G; ++g) {
      int sum = 0;
      for (int64_t i = 0; i < a.group_size; ++i) sum += src[g * a.group_size + i];
      const float s = a.xq_scale[m * G + g];
      sx[m * G + g] = s;
      xs[m * G + g] = s * float(sum);
    }
  }
};

// Features [f0, f0 + kPanel) in the order the tiles read them, zero past O. On cache
// lines: packing stores whole vectors, and from malloc's 16-byte alignment three of four
// of those stores straddle two lines. At 8 rows of x the packing is a large part of a
// call: Qwen2-0.5B's gate/up (Xeon, two threads, weights in L3) 568 -> 453 us with the
// panel on cache lines, its words transposed from 128-bit loads (load_transposed32) and
// its factors converted 16 at a time (processes alternated, medians of six).
struct Panel {
  CacheLineVector<uint32_t> codes;  // K / kBlock blocks x kPanel words
  CacheLineVector<uint8_t> nibbles; // with AMX, instead: kVecs x K / kBlock blocks x 2 tile rows (below)
  CacheLineVector<float> s, b;      // G x kPanel: scales and biases as float32

  // Packs features [f0, f0 + kPanel); their words should already be on their way
  // (NextPanel). With `amx`, each vector of words becomes two rows of an AMX tile B
  // (qmm_amx.h): its low nibbles, the block's even inputs, as bytes, then its high
  // nibbles, the odd ones; x's rows hold each block's even inputs, then its odd ones, so
  // that row 2j of B meets bytes 4 (2j) .. 4 (2j) + 3 of a row of x as the tile pairs them.
  void pack(const QuantizedMatmulArgs &a, int64_t f0, bool amx) {
    const int64_t blocks = a.K / kBlock, G = a.K / a.group_size, n = std::min<int64_t>(kPanel, a.O - f0);
    s.resize(size_t(G * kPanel));
    b.resize(size_t(G * kPanel));
    if (amx) {
      nibbles.resize(size_t(kVecs * blocks * 2 * IntSimd::VB));
      const I nib = IntSimd::set8(15);
      // The buffers' addresses as copies: read through `this`, each store could change them.
      words(a, f0, n, [&, to = nibbles.data()](int v, int64_t k, I w) {
        uint8_t *row = to + ((v * blocks + k) * 2) * IntSimd::VB;
        IntSimd::store(row, IntSimd::andb(w, nib));
        IntSimd::store(row + IntSimd::VB, IntSimd::hi4(w));
      });
    } else {
      codes.resize(size_t(blocks * kPanel));
      words(a, f0, n, [to = codes.data()](int v, int64_t k, I w) { IntSimd::store(to + k * kPanel + v * L, w); });
    }
    columns(a.scales, a.sdt, a.lds, f0, n, G, s.data());
    columns(a.biases, a.sdt, a.ldb, f0, n, G, b.data());
  }

 private:
  // put(v, k, w) for each vector v of the panel and block k: lane i of w holds feature
  // v * L + i's word k. L rows of L words at a time become L vectors (a transpose as they
  // load, IntSimd::load_transposed32); features past the n of O read feature f0's words
  // (their scales are zero, and their columns are not stored).
  template <typename Put>
  static void words(const QuantizedMatmulArgs &a, int64_t f0, int64_t n, Put &&put) {
    const int64_t blocks = a.K / kBlock, whole = blocks / L * L;
    for (int v = 0; v < kVecs; ++v) {
      const uint32_t *rows[L];
      for (int i = 0; i < L; ++i) rows[i] = a.w + (f0 + (v * L + i < n ? v * L + i : 0)) * a.ldw;
      for (int64_t k = 0; k < whole; k += L) {
        I r[L];
        IntSimd::load_transposed32(rows, k, r);
        for (int i = 0; i < L; ++i) put(v, k + i, r[i]);
      }
      for (int64_t k = whole; k < blocks; ++k) {
        alignas(64) uint32_t w[L];
        for (int i = 0; i < L; ++i) w[i] = rows[i][k];
        put(v, k, IntSimd::load(w));
      }
    }
  }

  // out (G x kPanel) = the G factors of features f0 .. f0 + n as float32 columns, zeros
  // after them. Converted inline: a call per feature through load_f32 was a quarter of
  // the tied head's time at 8 rows.
  static void columns(const void *src, int dt, int64_t ld, int64_t f0, int64_t n, int64_t G, float *out) {
    switch (dt) {
      case BF16: return columns_as<BF16>(src, ld, f0, n, G, out);
      case F16: return columns_as<F16>(src, ld, f0, n, G, out);
      default: return columns_as<F32>(src, ld, f0, n, G, out);
    }
  }

  template <int SDT>
  static void columns_as(const void *src, int64_t ld, int64_t f0, int64_t n, int64_t G, float *out) {
#ifdef TL_QMM_FACTORS16
    // A block of 16 features by 16 groups at a time, converted as loaded (masked loads
    // fault on no lane they leave out), then transposed in registers, in place of a call
    // per element (the loop below).
    for (int64_t j0 = 0; j0 < kPanel; j0 += L)
      for (int64_t g0 = 0; g0 < G; g0 += L) {
        const int64_t groups = std::min<int64_t>(L, G - g0);
        I r[L];
        for (int i = 0; i < L; ++i) r[i] = j0 + i < n ? factors<SDT>(src, (f0 + j0 + i) * ld + g0, groups) : IntSimd::zero();
        IntSimd::transpose32(r);
        for (int64_t i = 0; i < groups; ++i) IntSimd::store(out + (g0 + i) * kPanel + j0, r[i]);
      }
#else
    for (int64_t j = 0; j < n; ++j)
      for (int64_t g = 0; g < G; ++g) out[g * kPanel + j] = simd::load1<SDT>(src, (f0 + j) * ld + g);
    for (int64_t g = 0; g < G; ++g) std::fill(out + g * kPanel + n, out + (g + 1) * kPanel, 0.0f);
#endif
  }

#ifdef TL_QMM_FACTORS16
  // Elements at .. at + count (count <= 16) of src as float32 bits, zeros after them.
  template <int SDT>
  static I factors(const void *src, int64_t at, int64_t count) {
    const __mmask16 live = __mmask16((1u << count) - 1);
    if constexpr (SDT == F32) return _mm512_castps_si512(_mm512_maskz_loadu_ps(live, static_cast<const float *>(src) + at));
    const __m256i h = _mm256_maskz_loadu_epi16(live, static_cast<const uint16_t *>(src) + at);
    if constexpr (SDT == BF16) return _mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16);
    return _mm512_castps_si512(_mm512_cvtph_ps(h));
  }
#endif
};

// The next panel's words, asked for from memory a few cache lines at a time while this
// panel's tiles run (step() once a block), so that they wait in L2 when it is packed.
// With few rows of x (a batch's decode step: two tiles a panel at 8 rows) the tiles are
// short, and packing would otherwise wait for memory: asked for all at once as packing
// began, the lines came no sooner (Zen 4 EPYC, int8 x, Qwen2-0.5B's gate/up at 8 rows
// 467-482 us a call -> 378-423, at 5 rows 498-508 -> 382-383; a batch of 8 decoding
// 188.7-191.0 -> 209.6-212.6 tok/s; 128 rows, a prefill, as before; processes
// alternated). Into L2, as the decode kernels' codes (prefetch_codes).
class NextPanel {
 public:
  NextPanel() = default;
  // Features [f0, f0 + n) of a, over `steps` calls of step().
  NextPanel(const QuantizedMatmulArgs &a, int64_t f0, int64_t n, int64_t steps)
      : p_(reinterpret_cast<const char *>(a.w + f0 * a.ldw)),
        row_bytes_((a.K / 2 + 63) / 64 * 64),
        ld_(a.ldw * int64_t(sizeof(uint32_t))),
        row_end_(p_ + row_bytes_),
        rows_left_(n),
        per_step_((n * row_bytes_ / 64 + steps - 1) / steps) {}

  void step() {
    for (int64_t i = 0; i < per_step_ && rows_left_ > 0; ++i) {
      __builtin_prefetch(p_, 0, 2);
      p_ += 64;
      if (p_ >= row_end_) {  // the next feature's row
        p_ = row_end_ - row_bytes_ + ld_;
        row_end_ = p_ + row_bytes_;
        --rows_left_;
      }
    }
  }

 private:
  const char *p_ = nullptr;
  int64_t row_bytes_ = 0, ld_ = 0;
  const char *row_end_ = nullptr;
  int64_t rows_left_ = 0, per_step_ = 0;
};

// Rows [m0, m0 + kRows) of x against a panel: c[r][v] = y[m0 + r, the panel's features v * L ..].
inline void tile(const Panel &p, const X8 &x, int64_t m0, int64_t K, int64_t group, NextPanel &next, F (&c)[kRows][kVecs]) {
  const I nib = IntSimd::set8(15);
  const int8_t *xr = x.X + m0 * K;
  const float *sx = x.sx + m0 * x.G, *xs = x.xs + m0 * x.G;
  const uint8_t *q = reinterpret_cast<const uint8_t *>(p.codes.data());
  for (int r = 0; r < kRows; ++r)
    for (int v = 0; v < kVecs; ++v) c[r][v] = IntSimd::fzero();
  for (int64_t g = 0, k = 0; g < x.G; ++g) {
    I acc[kRows][kVecs];
    for (int r = 0; r < kRows; ++r)
      for (int v = 0; v < kVecs; ++v) acc[r][v] = IntSimd::zero();
    for (const int64_t end = k + group; k < end; k += kBlock, q += kVecs * IntSimd::VB) {
      next.step();
      I lo[kVecs], hi[kVecs];
      for (int v = 0; v < kVecs; ++v) {
        const I w = IntSimd::load(q + v * IntSimd::VB);
        lo[v] = IntSimd::andb(w, nib);
        hi[v] = IntSimd::andb(IntSimd::srl16(w, 4), nib);
      }
      for (int r = 0; r < kRows; ++r) {
        const I even = IntSimd::bcast32(xr + r * K + k), odd = IntSimd::bcast32(xr + r * K + k + 4);
        for (int v = 0; v < kVecs; ++v) acc[r][v] = qmm::dot8(acc[r][v], lo[v], even, hi[v], odd);
      }
    }
    for (int v = 0; v < kVecs; ++v) {
      const F s = IntSimd::loadf(p.s.data() + g * kPanel + v * L), b = IntSimd::loadf(p.b.data() + g * kPanel + v * L);
      for (int r = 0; r < kRows; ++r) {
        const F sum = IntSimd::mul(IntSimd::cvt(acc[r][v]), s);
        c[r][v] = IntSimd::fma(b, IntSimd::bcast(xs + r * x.G + g), IntSimd::fma(sum, IntSimd::bcast(sx + r * x.G + g), c[r][v]));
      }
    }
  }
}

// y[m, f .. f + L), those below O.
inline void store_vec(const QuantizedMatmulArgs &a, int64_t m, int64_t f, F c) {
  float *y = a.y + m * a.ldy + f;
  if (f + L <= a.O) return IntSimd::storef(y, c);
  if (f >= a.O) return;
  alignas(64) float row[L];
  IntSimd::storef(row, c);
  std::copy(row, row + (a.O - f), y);
}

// y's columns [f0, f0 + kPanel) (those below O) of rows [m0, min(M, m0 + kRows)).
inline void store(const QuantizedMatmulArgs &a, int64_t m0, int64_t f0, F (&c)[kRows][kVecs]) {
  for (int r = 0; r < kRows && m0 + r < a.M; ++r)
    for (int v = 0; v < kVecs; ++v) store_vec(a, m0 + r, f0 + v * L, c[r][v]);
}

// Rows of x per AMX tile (qmm_amx.h), and its inputs: a group's, at most 64 (a group of
// 128 takes two tiles).
constexpr int kAmxRows = 16;
constexpr int64_t amx_tile_bytes(int64_t group) { return std::min<int64_t>(group, 64); }

#ifdef TL_QMM_AMX
// Fewer rows of x take the VNNI tiles: AMX's tiles would be mostly padding. The tiles by
// number (the intrinsics take literal ones): for even tiles of x's inputs 0 the sums, 2
// x's bytes, 4 the codes; for odd ones 1, 3 and 5, so that one's products run while the
// other's sums become floats.
constexpr int64_t kAmxMinRows = 16;
static_assert(IntSimd::VB == kAmxRows * 4, "a vector of words is a row of the codes' tile");

// Loads the tiles' shapes for `bytes` inputs of x a tile (amx_tile_bytes): x's
// tile kAmxRows rows of them, a codes tile a row per 4 of them and a feature's 4 bytes
// a column, the sums a row of x by a feature a column.
inline void amx_shapes(int bytes) {
  qmm::TileConfig cfg;
  for (int t = 0; t < 2; ++t) {
    cfg.shape(t, kAmxRows, kAmxRows * 4);
    cfg.shape(2 + t, kAmxRows, bytes);
    cfg.shape(4 + t, bytes / 4, kAmxRows * 4);
  }
  cfg.load();
}

// Rows [m0, m0 + kAmxRows) of x against vector v of an AMX panel: c[r] = y[m0 + r, the
// features v * L ..] (rows past M: x's zero padding). Per tile of x's inputs (a group's,
// or half of a group of 128) the exact sums of bytes times codes, a vector of features a
// row of x, then times the group's factors in floats, as tile() does with its vpdpbusd
// sums; the bias term once a group.
inline void amx_tile(const Panel &p, const X8 &x, int64_t m0, int v, int64_t K, int64_t group, NextPanel &next, F (&c)[kAmxRows]) {
  const int64_t bytes = amx_tile_bytes(group), blocks = K / kBlock, tiles = K / bytes;
  const int8_t *xr = x.X + m0 * K;
  const uint8_t *codes = p.nibbles.data() + v * blocks * 2 * IntSimd::VB;
  alignas(64) int32_t sums[2][kAmxRows * L];
  for (int r = 0; r < kAmxRows; ++r) c[r] = IntSimd::fzero();
  // Tile j's products into sums[j % 2].
  auto products = [&](int64_t j) {
    next.step();
    const int64_t k = j * bytes;
    if (j % 2 == 0) {
      _tile_loadd(2, xr + k, K);
      _tile_loadd(4, codes + k / kBlock * 2 * IntSimd::VB, IntSimd::VB);
      _tile_zero(0);
      _tile_dpbsud(0, 2, 4);
      _tile_stored(0, sums[0], L * 4);
    } else {
      _tile_loadd(3, xr + k, K);
      _tile_loadd(5, codes + k / kBlock * 2 * IntSimd::VB, IntSimd::VB);
      _tile_zero(1);
      _tile_dpbsud(1, 3, 5);
      _tile_stored(1, sums[1], L * 4);
    }
  };
  products(0);
  for (int64_t j = 0; j < tiles; ++j) {
    if (j + 1 < tiles) products(j + 1);
    const int64_t k = j * bytes, g = k / group;
    const int32_t *sj = sums[j % 2];
    const F s = IntSimd::loadf(p.s.data() + g * kPanel + v * L);
    const F b = k % group == 0 ? IntSimd::loadf(p.b.data() + g * kPanel + v * L) : IntSimd::fzero();
    const float *sx = x.sx + m0 * x.G + g, *xs = x.xs + m0 * x.G + g;
    for (int r = 0; r < kAmxRows; ++r) {
      const F sum = IntSimd::mul(IntSimd::cvt(IntSimd::load(sj + r * L)), s);
      c[r] = IntSimd::fma(b, IntSimd::bcast(xs + r * x.G), IntSimd::fma(sum, IntSimd::bcast(sx + r * x.G), c[r]));
    }
  }
}

// A panel's rows of y by AMX tiles, kAmxRows rows of x at a time.
inline void amx_panel(const QuantizedMatmulArgs &a, const Panel &p, const X8 &x, int64_t f0, NextPanel &next) {
  for (int64_t m0 = 0; m0 < a.M; m0 += kAmxRows)
    for (int v = 0; v < kVecs; ++v) {
      F c[kAmxRows];
      amx_tile(p, x, m0, v, a.K, a.group_size, next, c);
      for (int r = 0; r < kAmxRows && m0 + r < a.M; ++r) store_vec(a, m0 + r, f0 + v * L, c[r]);
    }
}
#endif

}  // namespace

bool qmm_int8(const QuantizedMatmulArgs &a) {
  if (a.xq == nullptr || a.bits != 4 || a.portable || a.K % 32 != 0) return false;
#ifdef TL_QMM_AMX
  const bool amx = a.M >= kAmxMinRows && qmm::amx_usable();
#else
  const bool amx = false;
#endif
  const X8 x(a, amx ? kAmxRows : kRows);
  // a panel's calls of NextPanel::step: one a block of each tile of x, or with AMX one a
  // tile of x's inputs for each vector of features
  const int64_t steps = amx ? x.rows / kAmxRows * kVecs * (a.K / amx_tile_bytes(a.group_size)) : x.rows / kRows * (a.K / kBlock);
  const int64_t panels = (a.O + kPanel - 1) / kPanel;
  parallel_rows(panels, kPanel * a.K / 2, [&](int64_t p0, int64_t p1) {
    thread_local Panel tls_panel;
    Panel &p = tls_panel;
#ifdef TL_QMM_AMX
    if (amx) amx_shapes(int(amx_tile_bytes(a.group_size)));
#endif
    for (int64_t i = p0; i < p1; ++i) {
      p.pack(a, i * kPanel, amx);
      const int64_t f = (i + 1) * kPanel;
      NextPanel next = i + 1 < p1 ? NextPanel(a, f, std::min<int64_t>(kPanel, a.O - f), steps) : NextPanel();
#ifdef TL_QMM_AMX
      if (amx) {
        amx_panel(a, p, x, i * kPanel, next);
        continue;
      }
#endif
      for (int64_t m0 = 0; m0 < x.rows; m0 += kRows) {
        F c[kRows][kVecs];
        tile(p, x, m0, a.K, a.group_size, next, c);
        store(a, m0, i * kPanel, c);
      }
    }
#ifdef TL_QMM_AMX
    if (amx) _tile_release();  // the thread's 8 KiB of tile state, not saved at every switch
#endif
  });
  return true;
}

}  // namespace tl
#else
namespace tl {
bool qmm_int8(const QuantizedMatmulArgs &) { return false; }
}  // namespace tl
#endif
