// BLIS-style packed SGEMM.
//
// C = A @ B is computed in blocks: for each NC-wide column block of B and KC-deep
// slice of K, that slice of B is packed (converted to float32) into NR-column
// panels; for each MC-tall row block of A, that block is packed into MR-row
// panels; then the micro-kernel computes one MR x NR tile of C per pair of
// panels, keeping the tile in registers while streaming through K (AVX-512: 16 x 16
// in 16 vectors; otherwise 6 x 16 in 12 vectors of 8).
// The packed B slice lives in L2/L3, the packed A block in L2, one B micro-panel
// in L1. Packing reads any strides and dtype, so transposed views need no copy.
//
// Threads split C into disjoint column ranges (or row ranges when C is tall),
// each thread packing what it reads; no synchronisation is needed inside.
#include "tiny-llm/gemm.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "tiny-llm/simd.h"
#include "tiny-llm/thread_pool.h"

#include "scratch.h"

namespace tl {
namespace {

using simd::v8sf;
#if defined(__AVX__)
using simd::to_m256;
using simd::transpose8;
#endif

#if defined(__AVX512F__)
constexpr int MR = 16;
#else
constexpr int MR = 6;
#endif
static_assert(MR == 6 || MR % 8 == 0, "pack_a stores a panel's columns 8 or 6 floats at a time");
constexpr int NR = kGemmNR;
// Cache blocking for a Zen-class core (32 KiB L1d, 512 KiB L2): a KC x NR B
// micro-panel is 24 KiB, an MC x KC A block 144 KiB. Measured on the 2-core EPYC
// (1024^3, 2048^3 and the Qwen2 prefill shapes): KC 384 beat 256 by 2-4% and
// matched 512. Override with -DTL_GEMM_KC=... -DTL_GEMM_MC=... to experiment.
#ifndef TL_GEMM_KC
#define TL_GEMM_KC 384
#define TL_GEMM_MC 96
#define TL_GEMM_NC 4096
#endif
constexpr int64_t KC = TL_GEMM_KC;
constexpr int64_t MC = TL_GEMM_MC;
constexpr int64_t NC = TL_GEMM_NC;

// ---------------------------------------------------------------- micro-kernel

#if defined(__AVX512F__)
// c[0:16, 0:16] (row stride ldc) = (accumulate ? c : 0) + a_panel @ b_panel, where a
// holds kc columns of 16 floats and b kc rows of 16 floats: a row of c per register,
// each of a's floats broadcast from memory into its FMA (16 FMAs per load of b).
inline void micro_kernel(int64_t kc, const float *__restrict a, const float *__restrict b, float *c, int64_t ldc,
                         bool accumulate) {
  __m512 acc[MR];
  for (int r = 0; r < MR; ++r) acc[r] = _mm512_setzero_ps();
  for (int r = 0; r < MR; ++r) __builtin_prefetch(c + r * ldc, 1);
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 bk = _mm512_loadu_ps(b);
    for (int r = 0; r < MR; ++r) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(a[r]), bk, acc[r]);
    a += MR;
    b += NR;
  }
  for (int r = 0; r < MR; ++r) {
    float *cr = c + r * ldc;
    _mm512_storeu_ps(cr, accumulate ? _mm512_add_ps(_mm512_loadu_ps(cr), acc[r]) : acc[r]);
  }
}
#else
// c[0:6, 0:16] (row stride ldc) = (accumulate ? c : 0) + a_panel @ b_panel, where
// a holds kc columns of 6 floats and b kc rows of 16 floats.
inline void micro_kernel(int64_t kc, const float *__restrict a, const float *__restrict b, float *c, int64_t ldc,
                         bool accumulate) {
  v8sf c00 = {}, c01 = {}, c10 = {}, c11 = {}, c20 = {}, c21 = {};
  v8sf c30 = {}, c31 = {}, c40 = {}, c41 = {}, c50 = {}, c51 = {};
  for (int r = 0; r < MR; ++r) __builtin_prefetch(c + r * ldc, 1);
#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    v8sf b0 = *reinterpret_cast<const v8sf *>(b);
    v8sf b1 = *reinterpret_cast<const v8sf *>(b + 8);
    float a0 = a[0], a1 = a[1], a2 = a[2];
    c00 += a0 * b0;
    c01 += a0 * b1;
    c10 += a1 * b0;
    c11 += a1 * b1;
    c20 += a2 * b0;
    c21 += a2 * b1;
    float a3 = a[3], a4 = a[4], a5 = a[5];
    c30 += a3 * b0;
    c31 += a3 * b1;
    c40 += a4 * b0;
    c41 += a4 * b1;
    c50 += a5 * b0;
    c51 += a5 * b1;
    a += MR;
    b += NR;
  }
  v8sf acc[MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int r = 0; r < MR; ++r) {
    float *cr = c + r * ldc;
    if (accumulate) {
      simd::storeu(cr, simd::loadu(cr) + acc[r][0]);
      simd::storeu(cr + 8, simd::loadu(cr + 8) + acc[r][1]);
    } else {
      simd::storeu(cr, acc[r][0]);
      simd::storeu(cr + 8, acc[r][1]);
    }
  }
}
#endif

// Partial tile (mr <= MR rows, nr <= NR columns valid).
inline void kernel_edge(int64_t kc, const float *a, const float *b, float *c, int64_t ldc, int mr, int nr,
                        bool accumulate) {
  alignas(64) float tmp[MR * NR];
  micro_kernel(kc, a, b, tmp, NR, false);
  for (int r = 0; r < mr; ++r) {
    float *cr = c + r * ldc;
    const float *tr = tmp + r * NR;
    if (accumulate) {
      for (int j = 0; j < nr; ++j) cr[j] += tr[j];
    } else {
      for (int j = 0; j < nr; ++j) cr[j] = tr[j];
    }
  }
}

// --------------------------------------------------------------------- packing


// Packs B[pc:pc+kc, jc:jc+nc] into ceil(nc/NR) panels of kc x NR floats
// (panel p at dst + p*NR*kc), zero-padding the columns past nc.
template <int DT>
void pack_b(const MatRef &B, int64_t pc, int64_t kc, int64_t jc, int64_t nc, float *dst) {
  for (int64_t p = 0; p < nc; p += NR) {
    const int nr = int(std::min<int64_t>(NR, nc - p));
    float *d = dst + p * kc;
    const int64_t col0 = jc + p;
    if (B.cs == 1 && nr == NR) {
      // Rows of B contiguous: copy 16 floats per k.
      for (int64_t k = 0; k < kc; ++k) {
        const void *s = simd::elem_ptr(B.data, DT, B.off + (pc + k) * B.rs + col0);
        simd::storeu(d + k * NR, simd::load8<DT>(s));
        simd::storeu(d + k * NR + 8, simd::load8<DT>(simd::elem_ptr(s, DT, 8)));
      }
    } else if (B.rs == 1 && nr == NR) {
      // Columns of B contiguous (B is a transposed row-major matrix): transpose.
      int64_t k = 0;
#if defined(__AVX__)
      for (; k + 8 <= kc; k += 8) {
        for (int h = 0; h < 2; ++h) {
          const int64_t base = B.off + (col0 + h * 8) * B.cs + pc + k;
          __m256 r0 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base)));
          __m256 r1 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + B.cs)));
          __m256 r2 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 2 * B.cs)));
          __m256 r3 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 3 * B.cs)));
          __m256 r4 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 4 * B.cs)));
          __m256 r5 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 5 * B.cs)));
          __m256 r6 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 6 * B.cs)));
          __m256 r7 = to_m256(simd::load8<DT>(simd::elem_ptr(B.data, DT, base + 7 * B.cs)));
          simd::store_transposed8(d + k * NR + h * 8, NR, r0, r1, r2, r3, r4, r5, r6, r7);
        }
      }
#elif defined(TL_SIMD_NEON)
      for (; k + 8 <= kc; k += 8) {
        for (int h = 0; h < 2; ++h) {
          const int64_t base = B.off + (col0 + h * 8) * B.cs + pc + k;
          v8sf r[8];
          for (int t = 0; t < 8; ++t) r[t] = simd::load8<DT>(simd::elem_ptr(B.data, DT, base + t * B.cs));
          simd::store_transposed8(d + k * NR + h * 8, NR, r);
        }
      }
#endif
      for (int j = 0; j < NR; ++j) {
        const int64_t base = B.off + (col0 + j) * B.cs + pc;
        for (int64_t kk = k; kk < kc; ++kk) d[kk * NR + j] = simd::load1<DT>(B.data, base + kk);
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const int64_t base = B.off + (pc + k) * B.rs + col0 * B.cs;
        float *o = d + k * NR;
        for (int j = 0; j < nr; ++j) o[j] = simd::load1<DT>(B.data, base + j * B.cs);
        for (int j = nr; j < NR; ++j) o[j] = 0.0f;
      }
    }
  }
}

// Packs A[ic:ic+mc, pc:pc+kc] into ceil(mc/MR) panels of kc x MR floats (panel p
// at dst + p*MR*kc, element (i, k) at k*MR + i), zero-padding rows past mc.
template <int DT>
void pack_a(const MatRef &A, int64_t ic, int64_t mc, int64_t pc, int64_t kc, float *dst) {
  for (int64_t p = 0; p < mc; p += MR) {
    const int mr = int(std::min<int64_t>(MR, mc - p));
    float *d = dst + p * kc;
    int64_t k0 = 0;
#if defined(__AVX__)
    if (A.cs == 1 && mr == MR) {
      // Rows contiguous: load 8 k-values of each of up to 8 rows, transpose 8x8 (zero
      // rows past MR) and store each k column's floats at once, not one by one.
      for (; k0 + 8 <= kc; k0 += 8) {
        for (int g = 0; g < MR; g += 8) {
          const int rows = std::min(8, MR - g);
          __m256 r[8];
          for (int i = 0; i < 8; ++i)
            r[i] = i < rows ? to_m256(simd::load8<DT>(simd::elem_ptr(A.data, DT, A.off + (ic + p + g + i) * A.rs + pc + k0)))
                            : _mm256_setzero_ps();
          transpose8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
          float *o = d + k0 * MR + g;
          for (int t = 0; t < 8; ++t) {
            if (rows == 8) {
              _mm256_storeu_ps(o + t * MR, r[t]);
            } else {
              _mm_storeu_ps(o + t * MR, _mm256_castps256_ps128(r[t]));
              _mm_storel_pi(reinterpret_cast<__m64 *>(o + t * MR + 4), _mm256_extractf128_ps(r[t], 1));
            }
          }
        }
      }
    }
#endif
    if (A.cs == 1) {
      for (int i = 0; i < mr; ++i) {
        const int64_t base = A.off + (ic + p + i) * A.rs + pc;
        int64_t k = k0;
        for (; k + 8 <= kc; k += 8) {
          v8sf v = simd::load8<DT>(simd::elem_ptr(A.data, DT, base + k));
          for (int t = 0; t < 8; ++t) d[(k + t) * MR + i] = v[t];
        }
        for (; k < kc; ++k) d[k * MR + i] = simd::load1<DT>(A.data, base + k);
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        const int64_t base = A.off + (ic + p) * A.rs + (pc + k) * A.cs;
        for (int i = 0; i < mr; ++i) d[k * MR + i] = simd::load1<DT>(A.data, base + i * A.rs);
      }
    }
    if (mr < MR) {
      for (int64_t k = 0; k < kc; ++k)
        for (int i = mr; i < MR; ++i) d[k * MR + i] = 0.0f;
    }
  }
}

typedef void (*PackFn)(const MatRef &, int64_t, int64_t, int64_t, int64_t, float *);

PackFn pack_a_fn(int dt) { return dt == F32 ? pack_a<F32> : dt == F16 ? pack_a<F16> : pack_a<BF16>; }

// A strided B as a PackB (ctx: the MatRef).
template <int DT>
void pack_b_strided(const void *ctx, int64_t pc, int64_t kc, int64_t jc, int64_t nc, float *dst) {
  pack_b<DT>(*static_cast<const MatRef *>(ctx), pc, kc, jc, nc, dst);
}

PackB strided_b(const MatRef &B) {
  auto fn = B.dt == F32 ? pack_b_strided<F32> : B.dt == F16 ? pack_b_strided<F16> : pack_b_strided<BF16>;
  return PackB{fn, &B, 1};
}

// ------------------------------------------------------------------ buffers

// Each thread's packed panels of A and B.
thread_local Scratch tls_a, tls_b;

// Splits n into ceil(n / target) nearly equal blocks, each a multiple of `unit`.
int64_t block_size(int64_t n, int64_t target, int64_t unit) {
  int64_t nb = (n + target - 1) / target;
  int64_t b = (n + nb - 1) / nb;
  return (b + unit - 1) / unit * unit;
}

// ------------------------------------------------------------------ driver

// C[m0:m1, n0:n1] on the calling thread.
void gemm_block(int64_t m0, int64_t m1, int64_t n0, int64_t n1, int64_t K, const MatRef &A, const PackB &B,
                float *C, int64_t ldc) {
  const int64_t M = m1 - m0, N = n1 - n0;
  if (M <= 0 || N <= 0) return;
  const PackFn pa = pack_a_fn(A.dt);
  const int64_t kcb = block_size(K, KC, B.k_align);
  const int64_t mcb = block_size(M, MC, MR);
  const int64_t ncb = block_size(N, NC, NR);
  float *abuf = tls_a.get(size_t(mcb * kcb));
  float *bbuf = tls_b.get(size_t(ncb * kcb));
  for (int64_t jc = n0; jc < n1; jc += ncb) {
    const int64_t nc = std::min(ncb, n1 - jc);
    for (int64_t pc = 0; pc < K; pc += kcb) {
      const int64_t kc = std::min(kcb, K - pc);
      const bool acc = pc > 0;
      B.pack(B.ctx, pc, kc, jc, nc, bbuf);
      for (int64_t ic = m0; ic < m1; ic += mcb) {
        const int64_t mc = std::min(mcb, m1 - ic);
        pa(A, ic, mc, pc, kc, abuf);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int nr = int(std::min<int64_t>(NR, nc - jr));
          const float *bp = bbuf + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int mr = int(std::min<int64_t>(MR, mc - ir));
            float *c = C + (ic + ir) * ldc + jc + jr;
            if (mr == MR && nr == NR) {
              micro_kernel(kc, abuf + ir * kc, bp, c, ldc, acc);
            } else {
              kernel_edge(kc, abuf + ir * kc, bp, c, ldc, mr, nr, acc);
            }
          }
        }
      }
    }
  }
}

// C = A @ B with threads taking column items of `item_tiles` NR-panels as they go.
// The whole of A is packed once into a shared buffer (M x K floats), the threads
// taking MC-row units of it as they go and then waiting for the rest; then per
// item each thread packs that item's columns of B and runs the macro-kernel.
void gemm_items(int64_t M, int64_t N, int64_t K, const MatRef &A, const PackB &B, float *C, int64_t ldc,
                int64_t item_tiles) {
  const PackFn pa = pack_a_fn(A.dt);
  const int64_t kcb = block_size(K, KC, B.k_align);
  const int64_t npc = (K + kcb - 1) / kcb;
  const int64_t mpad = (M + MR - 1) / MR * MR;
  const int64_t mcb = block_size(M, MC, MR);
  const int64_t nmc = (M + mcb - 1) / mcb;
  const int64_t ntiles = (N + NR - 1) / NR;
  const int64_t items = (ntiles + item_tiles - 1) / item_tiles;
  // The caller's buffer: pool threads only read it, and the caller waits for them.
  float *acache = tls_a.get(size_t(npc * mpad * kcb));
  const int64_t units = npc * nmc;
  std::atomic<int64_t> next_unit{0}, packed{0}, next{0};
  parallel_threads([&](int, int) {
    // Work-shared rather than split evenly, so a thread that never gets a core
    // delays the others by at most one unit, never deadlocks them.
    int64_t mine = 0;
    for (int64_t u; (u = next_unit.fetch_add(1, std::memory_order_relaxed)) < units; ++mine) {
      const int64_t p = u / nmc, ic = (u % nmc) * mcb, pc = p * kcb, kc = std::min(kcb, K - pc);
      pa(A, ic, std::min(mcb, M - ic), pc, kc, acache + p * mpad * kcb + ic * kc);
    }
    packed.fetch_add(mine, std::memory_order_acq_rel);
    while (packed.load(std::memory_order_acquire) < units) std::this_thread::yield();
    float *bbuf = tls_b.get(size_t(item_tiles * NR * kcb));
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
      const int64_t n0 = i * item_tiles * NR, n1 = std::min(N, (i + 1) * item_tiles * NR), nc = n1 - n0;
      for (int64_t p = 0; p < npc; ++p) {
        const int64_t pc = p * kcb, kc = std::min(kcb, K - pc);
        const float *ablock = acache + p * mpad * kcb;
        B.pack(B.ctx, pc, kc, n0, nc, bbuf);
        for (int64_t ic = 0; ic < M; ic += mcb) {
          const int64_t mc = std::min(mcb, M - ic);
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int nr = int(std::min<int64_t>(NR, nc - jr));
            const float *bp = bbuf + jr * kc;
            for (int64_t ir = ic; ir < ic + mc; ir += MR) {
              const int mr = int(std::min<int64_t>(MR, M - ir));
              float *c = C + ir * ldc + n0 + jr;
              if (mr == MR && nr == NR) {
                micro_kernel(kc, ablock + ir * kc, bp, c, ldc, p > 0);
              } else {
                kernel_edge(kc, ablock + ir * kc, bp, c, ldc, mr, nr, p > 0);
              }
            }
          }
        }
      }
    }
  });
}

}  // namespace

namespace {

void gemm_any_b(int64_t M, int64_t N, int64_t K, const MatRef &A, const PackB &B, float *C, int64_t ldc, bool parallel) {
  if (M <= 0 || N <= 0) return;
  int nt = parallel ? num_threads() : 1;
  const double flops = 2.0 * double(M) * double(N) * double(K);
  if (flops < 2.0e5) nt = 1;
  // Split the larger dimension (each thread packs the whole of the other operand).
  const int64_t mtiles = (M + MR - 1) / MR, ntiles = (N + NR - 1) / NR;
  const bool split_n = ntiles >= mtiles || ntiles >= 4 * nt;
  const int64_t tiles = split_n ? ntiles : mtiles;
  nt = int(std::min<int64_t>(nt, tiles));
  if (nt <= 1) {
    gemm_block(0, M, 0, N, K, A, B, C, ldc);
    return;
  }
  if (split_n && M * K <= (int64_t(1) << 22) && ntiles >= 8 * nt) {
    // A fits a per-thread cache (16 MiB): dynamic column items, ~4 per thread
    // (at most 512 columns each), so a thread slowed by another process does less.
    const int64_t item_tiles = std::max<int64_t>(4, std::min<int64_t>(32, ntiles / (4 * nt)));
    gemm_items(M, N, K, A, B, C, ldc, item_tiles);
    return;
  }
  parallel_threads([&](int t, int pool_n) {
    if (t >= nt) return;
    (void)pool_n;
    const int64_t t0 = tiles * t / nt, t1 = tiles * (t + 1) / nt;
    if (split_n) {
      gemm_block(0, M, std::min(N, t0 * NR), std::min(N, t1 * NR), K, A, B, C, ldc);
    } else {
      gemm_block(std::min(M, t0 * MR), std::min(M, t1 * MR), 0, N, K, A, B, C, ldc);
    }
  });
}

}  // namespace

void gemm(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, int64_t ldc, bool parallel) {
  gemm_any_b(M, N, K, A, strided_b(B), C, ldc, parallel);
}

void gemm_packed_b(int64_t M, int64_t N, int64_t K, const MatRef &A, const PackB &B, float *C, int64_t ldc) {
  gemm_any_b(M, N, K, A, B, C, ldc, true);
}

}  // namespace tl
