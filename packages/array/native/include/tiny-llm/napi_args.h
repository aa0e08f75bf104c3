// Reading native functions' arguments: buffers, numbers, dims, and strided views,
// either positional (the array core's functions, see src/backend/native.ts) or as
// KernelArray objects (custom kernels, see src/extension.ts).
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#include "dtype.h"

namespace tl {

// An ArrayBuffer's memory, or a typed array's from its first byte (the CPU backend
// passes a destination that does not start at its buffer's first byte as a Uint8Array).
inline uint8_t *buffer_data(const Napi::Value &v) {
  if (v.IsArrayBuffer()) return static_cast<uint8_t *>(v.As<Napi::ArrayBuffer>().Data());
  const Napi::TypedArray view = v.As<Napi::TypedArray>();
  return static_cast<uint8_t *>(view.ArrayBuffer().Data()) + view.ByteOffset();
}

inline int64_t int_arg(const Napi::Value &v) { return int64_t(v.As<Napi::Number>().DoubleValue()); }

inline std::vector<int64_t> dims_arg(const Napi::Value &v) {
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<int64_t> out(arr.Length());
  for (uint32_t i = 0; i < out.size(); ++i) out[i] = int64_t(arr.Get(i).As<Napi::Number>().DoubleValue());
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

// An array as a custom kernel receives it (a KernelArray): element (i0, i1, ..) is at
// element off + sum(i_d * strides[d]) of data, of dtype dt (tiny-llm/dtype.h).
struct ArrayArg {
  uint8_t *data;
  int64_t off;
  int dt;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  int ndim() const { return int(shape.size()); }
  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  // Pointer to the first element, typed as storage type T (float, uint16_t, uint32_t...).
  template <typename T>
  T *ptr() const { return reinterpret_cast<T *>(data) + off; }
  // Pointer to the first element, untyped.
  void *begin() const { return data + off * itemsize(dt); }
};

// A KernelArray: from its packed `layout` (the CPU backend's: [offset, dtype, ndim,
// shape.., strides..]), else field by field (one Node-API call per field and dimension).
inline ArrayArg array_arg(const Napi::Object &o, const Napi::Value &layout_key, const Napi::Value &data_key) {
  const Napi::Value layout = o.Get(layout_key);
  if (!layout.IsTypedArray()) {
    return ArrayArg{buffer_data(o.Get(data_key)), int_arg(o.Get("offset")), int(int_arg(o.Get("dtype"))),
                    dims_arg(o.Get("shape")), dims_arg(o.Get("strides"))};
  }
  const double *l = layout.As<Napi::Float64Array>().Data();
  const size_t n = size_t(l[2]);
  ArrayArg a{buffer_data(o.Get(data_key)), int64_t(l[0]), int(l[1]), std::vector<int64_t>(n), std::vector<int64_t>(n)};
  for (size_t d = 0; d < n; ++d) {
    a.shape[d] = int64_t(l[3 + d]);
    a.strides[d] = int64_t(l[3 + n + d]);
  }
  return a;
}

// The KernelArray[] argument of a custom kernel.
inline std::vector<ArrayArg> array_args(const Napi::Value &v) {
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<ArrayArg> out;
  const uint32_t n = arr.Length();  // a Node-API call each time
  out.reserve(n);
  // The property names made once for all the arrays (Get(const char *) makes one each time).
  const Napi::String layout_key = Napi::String::New(v.Env(), "layout"), data_key = Napi::String::New(v.Env(), "data");
  for (uint32_t i = 0; i < n; ++i) out.push_back(array_arg(arr.Get(i).As<Napi::Object>(), layout_key, data_key));
  return out;
}

}  // namespace tl
