// Reading native functions' arguments: buffers, numbers, dims, and strided views,
// either positional (the array core's functions, see src/backend/native.ts) or as
// KernelArray objects (custom kernels, see src/extension.ts).
#pragma once
#include <napi.h>

#include <cstdint>
#include <stdexcept>
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

// A KernelArray read field by field (one Node-API call per field and dimension).
inline ArrayArg array_arg(const Napi::Object &o) {
  return ArrayArg{buffer_data(o.Get("data")), int_arg(o.Get("offset")), int(int_arg(o.Get("dtype"))), dims_arg(o.Get("shape")),
                  dims_arg(o.Get("strides"))};
}

// The KernelArray[] argument of a custom kernel. The CPU backend gives the list its
// arrays' layouts packed in one Float64Array, `layouts`: [n, then per array: address of
// its buffer, offset, dtype, ndim, ...shape, ...strides] (src/backend/cpu.ts), three
// Node-API calls for the whole list. Reading field by field took five to ten an array,
// each a slow property lookup from C++, most of a small kernel call's cost; that path
// stays for lists made by hand, which have no `layouts`.
inline std::vector<ArrayArg> array_args(const Napi::Value &v) {
  Napi::Array arr = v.As<Napi::Array>();
  const uint32_t n = arr.Length();
  std::vector<ArrayArg> out;
  out.reserve(n);
  const Napi::Value packed = arr.Get("layouts");
  if (!packed.IsTypedArray()) {
    for (uint32_t i = 0; i < n; ++i) out.push_back(array_arg(arr.Get(i).As<Napi::Object>()));
    return out;
  }
  const Napi::Float64Array layouts = packed.As<Napi::Float64Array>();
  const double *l = layouts.Data();
  const size_t length = layouts.ElementLength();
  const auto mismatch = [] { return std::invalid_argument("a kernel's arrays do not match their packed layouts (a list changed after the backend made it)"); };
  if (length == 0 || uint32_t(l[0]) != n) throw mismatch();
  size_t p = 1;
  for (uint32_t i = 0; i < n; ++i) {
    if (p + 4 > length) throw mismatch();
    const size_t nd = size_t(l[p + 3]);
    if (p + 4 + 2 * nd > length) throw mismatch();
    ArrayArg a{reinterpret_cast<uint8_t *>(uintptr_t(l[p])), int64_t(l[p + 1]), int(l[p + 2]), std::vector<int64_t>(nd),
               std::vector<int64_t>(nd)};
    for (size_t d = 0; d < nd; ++d) {
      a.shape[d] = int64_t(l[p + 4 + d]);
      a.strides[d] = int64_t(l[p + 4 + nd + d]);
    }
    out.push_back(std::move(a));
    p += 4 + 2 * nd;
  }
  return out;
}

}  // namespace tl
