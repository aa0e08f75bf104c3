// Registers the native core's functions (contract: src/backend/native.ts).
#include <napi.h>

#include "ops.h"
#include "tiny-llm/thread_pool.h"

namespace tl {

Napi::Value NumThreads(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value IdlePrefetchedBytes(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), double(idle_prefetched_bytes()));
}

}  // namespace tl

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto add = [&](const char *name, Napi::Value (*fn)(const Napi::CallbackInfo &)) {
    exports.Set(name, Napi::Function::New(env, fn, name));
  };
  add("numThreads", tl::NumThreads);
  add("idlePrefetchedBytes", tl::IdlePrefetchedBytes);
  add("copy", tl::Copy);
  add("unary", tl::Unary);
  add("binary", tl::Binary);
  add("where", tl::Where);
  add("reduce", tl::Reduce);
  add("softmax", tl::Softmax);
  add("rmsNorm", tl::RmsNorm);
  add("rope", tl::Rope);
  add("scan", tl::Scan);
  add("argsort", tl::Argsort);
  add("topkIndices", tl::TopkIndices);
  add("take", tl::Take);
  add("takeAlongAxis", tl::TakeAlongAxis);
  add("matmul", tl::Matmul);
  add("randomBits", tl::RandomBits);
  add("readBandwidth", tl::ReadBandwidth);
  add("adviseHugePages", tl::AdviseHugePages);
  add("alignedOffset", tl::AlignedOffset);
  add("bufferAddress", tl::BufferAddress);
  add("coreApi", tl::CoreApi);
  return exports;
}

NODE_API_MODULE(tiny_llm_array, Init)
