// The table of core services that extensions call through (tiny-llm/core_api.h),
// handed to JavaScript as an External by `coreApi()`.
#include "tiny-llm/core_api.h"

#include "ops.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

const tl_core_api kApi = {
    TL_CORE_ABI_VERSION,
    [] { return num_threads(); },
    [](void (*fn)(void *, int, int), void *ctx) { parallel_threads([&](int t, int n) { fn(ctx, t, n); }); },
    [](int64_t M, int64_t N, int64_t K, const MatRef *A, const PackB *B, float *C, int64_t ldc) {
      gemm_packed_b(M, N, K, *A, *B, C, ldc);
    },
    [](const ByteSpan *spans, int n) { prefetch_while_idle(spans, n); },
    [] { return idle_prefetched_bytes(); },
};

}  // namespace

Napi::Value CoreApi(const Napi::CallbackInfo &info) {
  return Napi::External<tl_core_api>::New(info.Env(), const_cast<tl_core_api *>(&kApi));
}

}  // namespace tl
