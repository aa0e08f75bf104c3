// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Where(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Where: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
