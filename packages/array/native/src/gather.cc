// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Take(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Take: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
Napi::Value TakeAlongAxis(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "TakeAlongAxis: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
