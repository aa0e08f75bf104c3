// Where the CPU backend's buffers (V8 ArrayBuffers) put their arrays.
//
// alignedOffset: the bytes from a buffer's start to its first boundary of `align` bytes.
// V8 takes an ArrayBuffer's memory from malloc, 16 bytes into a cache line; the backend
// asks for `align` bytes more and starts the array at the boundary: a cache line (64
// bytes), so that a kernel's 64-byte vector loads of it never straddle two lines, or for
// arrays of 4 MiB and more a huge page (2 MiB), so that all of it can sit in huge pages.
// A 4-bit decode product of Qwen2-0.5B's gate/up shape (4.9 MB of weights) took a median
// 204 us with its arrays where malloc put them, 179 us from their boundaries (Zen 5 EPYC).
//
// bufferAddress: where a buffer's memory is, as a number (exact below 2^53), for the
// layouts the backend packs for custom kernels (napi_args.h's array_args). An
// ArrayBuffer's memory stays where it is for the buffer's life (the backend never
// detaches or resizes one).
//
// adviseHugePages: asks the kernel to back a fresh, large buffer with transparent huge
// pages (Linux, MADV_HUGEPAGE). A new array's pages are faulted in one by one on
// first write; at 4 KiB a page that costs more than the kernel's own work on a large
// result (about 40 ms for 64 MiB on the project's machines, 15-35 ms with huge
// pages). Elsewhere, or where the kernel says no, it does nothing.
#include "tiny-llm/napi_args.h"
#include "ops.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tl {

Napi::Value AlignedOffset(const Napi::CallbackInfo &info) {
  const uintptr_t at = uintptr_t(info[0].As<Napi::ArrayBuffer>().Data()), align = uintptr_t(int_arg(info[1]));
  // A multiple of 16 (malloc's alignment), so that it is whole elements of every dtype.
  const uintptr_t offset = at % 16 == 0 ? (align - at % align) % align : 0;
  return Napi::Number::New(info.Env(), double(offset));
}

Napi::Value BufferAddress(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), double(uintptr_t(info[0].As<Napi::ArrayBuffer>().Data())));
}

Napi::Value AdviseHugePages(const Napi::CallbackInfo &info) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  Napi::ArrayBuffer buf = info[0].As<Napi::ArrayBuffer>();
  const uintptr_t huge = uintptr_t(2) << 20;
  const uintptr_t begin = (uintptr_t(buf.Data()) + huge - 1) & ~(huge - 1);
  const uintptr_t end = (uintptr_t(buf.Data()) + buf.ByteLength()) & ~(huge - 1);
  if (end > begin) madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
#endif
  return info.Env().Undefined();
}

}  // namespace tl
