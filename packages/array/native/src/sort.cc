// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Argsort(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Argsort: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
Napi::Value TopkIndices(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "TopkIndices: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
