// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value Copy(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "Copy: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
