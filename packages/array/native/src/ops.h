// Every native function exported to JavaScript; documented in src/backend/native.ts.
#pragma once
#include <napi.h>

namespace tl {

Napi::Value NumThreads(const Napi::CallbackInfo &info);
Napi::Value Copy(const Napi::CallbackInfo &info);
Napi::Value Unary(const Napi::CallbackInfo &info);
Napi::Value Binary(const Napi::CallbackInfo &info);
Napi::Value Where(const Napi::CallbackInfo &info);
Napi::Value Reduce(const Napi::CallbackInfo &info);
Napi::Value Softmax(const Napi::CallbackInfo &info);
Napi::Value RmsNorm(const Napi::CallbackInfo &info);
Napi::Value Rope(const Napi::CallbackInfo &info);
Napi::Value Scan(const Napi::CallbackInfo &info);
Napi::Value Argsort(const Napi::CallbackInfo &info);
Napi::Value TopkIndices(const Napi::CallbackInfo &info);
Napi::Value Take(const Napi::CallbackInfo &info);
Napi::Value TakeAlongAxis(const Napi::CallbackInfo &info);
Napi::Value Matmul(const Napi::CallbackInfo &info);
Napi::Value RandomBits(const Napi::CallbackInfo &info);
Napi::Value ReadBandwidth(const Napi::CallbackInfo &info);
Napi::Value AdviseHugePages(const Napi::CallbackInfo &info);
Napi::Value AlignedOffset(const Napi::CallbackInfo &info);
Napi::Value BufferAddress(const Napi::CallbackInfo &info);
Napi::Value CoreApi(const Napi::CallbackInfo &info);

}  // namespace tl
