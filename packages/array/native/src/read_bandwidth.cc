// PLACEHOLDER: replaced by the real kernel.
#include "ops.h"
namespace tl {
Napi::Value ReadBandwidth(const Napi::CallbackInfo &info) { Napi::Error::New(info.Env(), "ReadBandwidth: not built yet").ThrowAsJavaScriptException(); return info.Env().Undefined(); }
}
