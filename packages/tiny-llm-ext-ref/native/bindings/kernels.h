// Every N-API entry of this addon; the contract is src/native.ts.
#pragma once
#include <napi.h>

namespace tl {

Napi::Value QuantizedMatmul(const Napi::CallbackInfo &info);
Napi::Value FlashAttention(const Napi::CallbackInfo &info);
// Reference only (this package's build defines TINY_LLM_REFERENCE_KERNELS): kernels the
// reference model fuses its ops with, which the learner's addon does not have.
#if defined(TINY_LLM_REFERENCE_KERNELS)
Napi::Value RopeIntoCache(const Napi::CallbackInfo &info);
#endif

}  // namespace tl
