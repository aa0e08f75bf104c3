// Every N-API entry of this addon; the contract is src/native.ts.
#pragma once
#include <napi.h>

namespace tl {

Napi::Value QuantizedMatmul(const Napi::CallbackInfo &info);
Napi::Value FlashAttention(const Napi::CallbackInfo &info);

}  // namespace tl
