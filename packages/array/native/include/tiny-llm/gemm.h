// The array core's packed single-precision GEMM (BLIS-style), open to extensions:
// operands are strided views of any float dtype, or B comes from a caller's packing
// function (e.g. one that dequantizes weights panel by panel); the result is float32.
#pragma once
#include <cstdint>

namespace tl {

// A strided 2-D operand: element (i, j) is at data[off + i*rs + j*cs], dtype dt.
struct MatRef {
  const void *data;
  int dt;
  int64_t off;
  int64_t rs;
  int64_t cs;
};

// Width of the GEMM's B panels (columns of C per micro-kernel tile).
constexpr int kGemmNR = 16;

// B given by its packing function. pack(ctx, pc, kc, jc, nc, dst) writes
// B[pc:pc+kc, jc:jc+nc] as ceil(nc / kGemmNR) panels of kc x kGemmNR floats: panel p
// at dst + p*kGemmNR*kc, element (k, j) of it at k*kGemmNR + j, columns past nc
// zero. It runs on pool threads, several at once on disjoint blocks, and must not
// throw. Every pc is a multiple of k_align, and so is every kc except at the end of K.
struct PackB {
  typedef void (*Fn)(const void *ctx, int64_t pc, int64_t kc, int64_t jc, int64_t nc, float *dst);
  Fn pack;
  const void *ctx;
  int64_t k_align;
};

// C (M x N, float32, row stride ldc) = A (M x K) @ B (K x N), accumulated in float32.
// `parallel` lets it use the thread pool (pass false when already on a pool thread).
// K must be > 0.
void gemm(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, int64_t ldc, bool parallel);

// The same with B packed by `B.pack`; always on the thread pool.
void gemm_packed_b(int64_t M, int64_t N, int64_t K, const MatRef &A, const PackB &B, float *C, int64_t ldc);

}  // namespace tl
