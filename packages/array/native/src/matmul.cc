// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Matmul(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Matmul: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
