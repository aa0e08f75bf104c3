// Napi entry for batched matmul (contract: src/backend/native.ts `matmul`).
// Small M with a unit-stride B goes to gemv (memory-bound, no packing), the rest
// to the packed gemm. Results are float32, written straight into dst or, for a
// float16 / bfloat16 dst, into a float32 scratch rounded on store.
#include <algorithm>
#include <vector>

#include "tiny-llm/gemm.h"
#include "gemv.h"
#include "tiny-llm/napi_args.h"
#include "ops.h"
#include "tiny-llm/next_weights.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

// C (M x N float32, contiguous) = A @ B for one batch.
void matmul_one(int64_t M, int64_t N, int64_t K, const MatRef &A, const MatRef &B, float *C, bool parallel) {
  if (K == 0) {
    std::fill(C, C + M * N, 0.0f);
    return;
  }
  if (gemv_applies(M, B)) {
    gemv(M, N, K, A, B, C, N, parallel);
  } else {
    gemm(M, N, K, A, B, C, N, parallel);
  }
}

// Batch b of the whole product, written into dst in dstDt.
void matmul_batch(int64_t b, int64_t M, int64_t N, int64_t K, MatRef A, MatRef B, const double *aOffs,
                  const double *bOffs, uint8_t *dst, int dstDt, bool parallel) {
  A.off = int64_t(aOffs[b]);
  B.off = int64_t(bOffs[b]);
  const int64_t mn = M * N;
  if (dstDt == F32) {
    matmul_one(M, N, K, A, B, reinterpret_cast<float *>(dst) + b * mn, parallel);
  } else {
    std::vector<float> scratch(static_cast<size_t>(mn));
    matmul_one(M, N, K, A, B, scratch.data(), parallel);
    store_f32(scratch.data(), mn, dst, dstDt, b * mn, 1);
  }
}

}  // namespace

Napi::Value Matmul(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 15) {
    Napi::TypeError::New(env, "matmul: expected 15 arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int aDt = int(int_arg(info[1])), bDt = int(int_arg(info[6])), dstDt = int(int_arg(info[11]));
  if (!is_float(aDt) || !is_float(bDt) || !is_float(dstDt)) {
    Napi::TypeError::New(env, "matmul: float dtypes only").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Float64Array aOffsets = info[2].As<Napi::Float64Array>();
  Napi::Float64Array bOffsets = info[7].As<Napi::Float64Array>();
  const MatRef A{buffer_data(info[0]), aDt, 0, int_arg(info[3]), int_arg(info[4])};
  const MatRef B{buffer_data(info[5]), bDt, 0, int_arg(info[8]), int_arg(info[9])};
  uint8_t *dst = buffer_data(info[10]);
  const int64_t M = int_arg(info[12]), N = int_arg(info[13]), K = int_arg(info[14]);
  const int64_t batches = int64_t(std::min(aOffsets.ElementLength(), bOffsets.ElementLength()));
  if (M <= 0 || N <= 0 || batches <= 0) return env.Undefined();
  const double *aOffs = aOffsets.Data();
  const double *bOffs = bOffsets.Data();

  // Many small products (attention heads): one thread per batch range; otherwise
  // batches in turn, each spread over the pool.
  const double flops = 2.0 * double(M) * double(N) * double(K);
  if (batches > 1 && num_threads() > 1 && flops < 4.0e6) {
    const int64_t grain = std::max<int64_t>(1, int64_t(2.0e5 / std::max(flops, 1.0)));
    parallel_for(batches, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) matmul_batch(b, M, N, K, A, B, aOffs, bOffs, dst, dstDt, false);
    });
  } else {
    for (int64_t b = 0; b < batches; ++b) matmul_batch(b, M, N, K, A, B, aOffs, bOffs, dst, dstDt, true);
  }
  if (batches == 1 && gemv_applies(M, B)) {  // a decode step's product: B is a weight, read once
    const int64_t e = itemsize(bDt);
    const ByteSpan read{static_cast<const uint8_t *>(B.data) + int64_t(bOffs[0]) * e, ((K - 1) * B.rs + (N - 1) * B.cs + 1) * e};
    thread_local NextWeights next;
    next.read(&read, 1);
  }
  return env.Undefined();
}

}  // namespace tl
