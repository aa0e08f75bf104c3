// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Binary(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Binary: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
