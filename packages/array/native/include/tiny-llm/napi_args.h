// Reading the native functions' arguments (see src/backend/native.ts).
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

namespace tl {

inline uint8_t *buffer_data(const Napi::Value &v) {
  return static_cast<uint8_t *>(v.As<Napi::ArrayBuffer>().Data());
}

inline int64_t int_arg(const Napi::Value &v) { return int64_t(v.As<Napi::Number>().DoubleValue()); }

inline std::vector<int64_t> dims_arg(const Napi::Value &v) {
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) out[i] = int64_t(arr.Get(i).As<Napi::Number>().DoubleValue());
  return out;
}

// One strided operand: (buf, off, dt, strides) at info[i..i+3].
struct View {
  uint8_t *data;
  int64_t off;
  int dt;
  std::vector<int64_t> strides;
};

inline View view_arg(const Napi::CallbackInfo &info, size_t i) {
  return View{buffer_data(info[i]), int_arg(info[i + 1]), int(int_arg(info[i + 2])), dims_arg(info[i + 3])};
}

}  // namespace tl
