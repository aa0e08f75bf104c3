// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Unary(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Unary: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
