// N-API entry of ropeIntoCache (contract: src/native.ts), in the reference package's addon
// only (its build defines TINY_LLM_REFERENCE_KERNELS; the learner's compiles this file to
// nothing). The TypeScript wrapper (src/rope-into-cache.ts) has already checked the
// arguments with messages for users; the checks here keep a direct call from crashing.
#if defined(TINY_LLM_REFERENCE_KERNELS)
#include <string>
#include <vector>

#include "kernels.h"
#include "rope_into_cache.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/extension.h"
#include "tiny-llm/napi_args.h"

namespace tl {
namespace {

constexpr NativeCheck require{"ropeIntoCache"};

RopeOperand operand(const ArrayArg &a) { return RopeOperand{a.ptr<float>(), a.strides[0], a.strides[1], a.strides[2]}; }

void run(const Napi::CallbackInfo &info) {
  require(info.Length() >= 6 && info[3].IsNumber() && info[4].IsNumber(), "expected (inputs, outputs, hasBias, heads, kvHeads, traditional)");
  const std::vector<ArrayArg> in = array_args(info[0]), out = array_args(info[1]);
  const bool has_bias = info[2].ToBoolean().Value();
  require(in.size() == (has_bias ? 4u : 3u) && out.size() == 3, "expected inputs [qkv, bias?, cos, sin] and outputs [q, keySlots, valueSlots]");
  const ArrayArg &qkv = in[0], &cos = in[has_bias ? 2 : 1], &sin = in[has_bias ? 3 : 2];
  const ArrayArg &q = out[0], &keys = out[1], &values = out[2];
  const int64_t Hq = int_arg(info[3]), Hkv = int_arg(info[4]);
  for (const ArrayArg *a : {&qkv, &q, &keys, &values}) {
    require(a->ndim() == 4 && a->dt == F32 && a->strides[3] == 1, "qkv, q and the slots must be float32 4-d arrays with a unit stride along D");
  }
  const int64_t N = qkv.shape[0], L = qkv.shape[1], D = qkv.shape[3];
  require(qkv.shape[2] == Hq + 2 * Hkv && D % 2 == 0, "qkv must be N x L x (H_q + 2 H_kv) x D, D even");
  require(q.shape == std::vector<int64_t>{N, L, Hq, D} && q.strides[2] == D && q.strides[1] == Hq * D && q.strides[0] == L * Hq * D,
          "q must be contiguous N x L x H_q x D");
  require(keys.shape == std::vector<int64_t>{N, Hkv, L, D} && values.shape == keys.shape, "the slots must be N x H_kv x L x D");
  for (const ArrayArg *t : {&cos, &sin}) {
    require(t->dt == F32 && t->shape == std::vector<int64_t>{L, D / 2} && (L == 1 || t->strides[0] == D / 2) && t->strides[1] == 1,
            "cos and sin must be contiguous float32 L x D/2");
  }
  if (has_bias) {
    require(in[1].dt == F32 && in[1].ndim() == 1 && in[1].shape[0] == (Hq + 2 * Hkv) * D && in[1].strides[0] == 1,
            "bias must be float32 of (H_q + 2 H_kv) * D");
  }
  rope_into_cache(RopeIntoCacheArgs{N, L, Hq, Hkv, D, operand(qkv), has_bias ? in[1].ptr<float>() : nullptr, cos.ptr<float>(),
                                    sin.ptr<float>(), q.ptr<float>(), operand(keys), operand(values),
                                    info[5].ToBoolean().Value()});
}

}  // namespace

Napi::Value RopeIntoCache(const Napi::CallbackInfo &info) {
  return guard(info.Env(), [&] { run(info); });
}

}  // namespace tl
#endif
