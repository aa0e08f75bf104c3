// What an extension's N-API entry points use beyond napi_args.h: registering the
// core link, and turning C++ exceptions from plain C++ kernel code into JS errors.
#pragma once
#include <napi.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace tl {

// Adds `__tinyLlmAttach` to an extension's exports; call it from the addon's Init.
// @tiny-llm/array's loadNativeExtension calls it with the core's table before any
// kernel runs (defined in ext/core_link.cc).
void register_extension(Napi::Env env, Napi::Object exports);

// An error for JavaScript: `name` becomes the JS error's name ("TypeError",
// "NotImplementedError", ...), `what()` its message.
class JsError : public std::runtime_error {
 public:
  JsError(std::string name, const std::string &message) : std::runtime_error(message), name_(std::move(name)) {}
  const std::string &name() const { return name_; }

 private:
  std::string name_;
};

// A native kernel's own check of its arguments: require(ok, what) throws a TypeError
// "<kernel> (native): <what>" when !ok. The extension's TypeScript has checked them with
// messages for users already; these keep a direct call from crashing. In a binding file:
//   constexpr NativeCheck require{"myKernel"};
struct NativeCheck {
  const char *kernel;
  void operator()(bool ok, const std::string &what) const {
    if (!ok) throw JsError("TypeError", std::string(kernel) + " (native): " + what);
  }
};

// Runs body() (which returns void) and returns undefined; a C++ exception thrown by it
// (not from pool threads: those must not throw) becomes a pending JS exception.
template <typename F>
Napi::Value guard(Napi::Env env, F &&body) {
  try {
    body();
  } catch (const JsError &e) {
    Napi::Error err = e.name() == "TypeError" ? Napi::TypeError::New(env, e.what()) : Napi::Error::New(env, e.what());
    if (e.name() != "TypeError") err.Set("name", Napi::String::New(env, e.name()));
    err.ThrowAsJavaScriptException();
  } catch (const std::exception &e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

}  // namespace tl
