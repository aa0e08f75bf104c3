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
