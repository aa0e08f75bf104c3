// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value RandomBits(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "RandomBits: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
