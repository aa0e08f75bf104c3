// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Reduce(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Reduce: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
