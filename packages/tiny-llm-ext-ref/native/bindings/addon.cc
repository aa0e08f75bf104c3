// Registers the kernels (contract: src/native.ts) and the link to the array core.
#include <napi.h>

#include "kernels.h"
#include "tiny-llm/extension.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tl::register_extension(env, exports);
  auto add = [&](const char *name, Napi::Value (*fn)(const Napi::CallbackInfo &)) {
    exports.Set(name, Napi::Function::New(env, fn, name));
  };
  add("quantizedMatmul", tl::QuantizedMatmul);
  add("flashAttention", tl::FlashAttention);
#if defined(TINY_LLM_REFERENCE_KERNELS)
  add("ropeIntoCache", tl::RopeIntoCache);
#endif
  return exports;
}

// node-gyp names the module after its target: tiny_llm_ext_ref, or the learner's tiny_llm_ext.
NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
