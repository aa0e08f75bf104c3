// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Softmax(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Softmax: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
