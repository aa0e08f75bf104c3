// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Scan(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Scan: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
