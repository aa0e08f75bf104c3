// Compiled into every extension (see ../extension.js): defines the core services
// that tiny-llm/thread_pool.h and tiny-llm/gemm.h declare by calling through the
// array core's table (tiny-llm/core_api.h), and the `__tinyLlmAttach` function
// through which @tiny-llm/array's loadNativeExtension hands the table over.
#include <napi.h>

#include <cstdio>
#include <cstdlib>

#include "tiny-llm/core_api.h"
#include "tiny-llm/extension.h"
#include "tiny-llm/thread_pool.h"

namespace tl {
namespace {

const tl_core_api *g_core = nullptr;

const tl_core_api &core() {
  if (g_core == nullptr) {
    std::fprintf(stderr, "tiny-llm extension: called before @tiny-llm/array's loadNativeExtension attached it\n");
    std::abort();
  }
  return *g_core;
}

Napi::Value Attach(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal()) {
    Napi::TypeError::New(env, "__tinyLlmAttach: expected the array core's table").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const auto *api = info[0].As<Napi::External<tl_core_api>>().Data();
  if (api->abi_version != TL_CORE_ABI_VERSION) {
    Napi::Error::New(env, "this extension was built against core ABI " + std::to_string(TL_CORE_ABI_VERSION) +
                              " but @tiny-llm/array provides " + std::to_string(api->abi_version) +
                              "; rebuild it (pnpm install)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  g_core = api;
  return env.Undefined();
}

}  // namespace

int num_threads() { return core().num_threads(); }

void parallel_threads(const std::function<void(int, int)> &fn) {
  core().parallel_threads(
      [](void *ctx, int t, int n) { (*static_cast<const std::function<void(int, int)> *>(ctx))(t, n); },
      const_cast<std::function<void(int, int)> *>(&fn));
}

void gemm_packed_b(int64_t M, int64_t N, int64_t K, const MatRef &A, const PackB &B, float *C, int64_t ldc) {
  core().gemm_packed_b(M, N, K, &A, &B, C, ldc);
}

void prefetch_while_idle(const ByteSpan *spans, int n) { core().prefetch_while_idle(spans, n); }

int64_t idle_prefetched_bytes() { return core().idle_prefetched_bytes(); }

void register_extension(Napi::Env env, Napi::Object exports) {
  exports.Set("__tinyLlmAttach", Napi::Function::New(env, Attach, "__tinyLlmAttach"));
}

}  // namespace tl
