// N-API entry of flashAttention (contract: src/native.ts): reads the KernelArrays into
// the kernel's strided operands. The TypeScript wrapper has already checked the
// arguments with messages for users; the checks here keep a direct call from crashing.
#include <algorithm>
#include <string>
#include <vector>

#include "flash_attention.h"
#include "kernels.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/extension.h"
#include "tiny-llm/napi_args.h"

namespace tl {
namespace {

constexpr NativeCheck require{"flashAttention"};

// The last three dims of a (heads, rows, cols) after the batch dims N...
AttentionOperand operand(const ArrayArg &a, size_t nbatch) {
  AttentionOperand op;
  op.data = a.data;
  op.dt = a.dt;
  op.off = a.off;
  op.batch.assign(a.strides.begin(), a.strides.begin() + nbatch);
  op.head = a.strides[nbatch];
  op.row_stride = a.strides[nbatch + 1];
  op.col_stride = a.strides[nbatch + 2];
  return op;
}

void run(const Napi::CallbackInfo &info) {
  require(info.Length() >= 5 && info[2].IsNumber(), "expected (inputs, outputs, scale, causal, portable)");
  const std::vector<ArrayArg> in = array_args(info[0]), outs = array_args(info[1]);
  require((in.size() == 3 || in.size() == 4) && outs.size() == 1, "expected inputs [q, k, v] or [q, k, v, mask] and outputs [out]");
  const ArrayArg &q = in[0], &k = in[1], &v = in[2], &out = outs[0];

  const int nd = q.ndim();
  require(nd >= 3, "q must be N.. x H_q x L x D");
  for (const ArrayArg &a : in) require(a.ndim() == nd && is_float(a.dt), "every input must be a float array of q's rank");
  const size_t nb = size_t(nd - 3);
  FlashAttentionArgs a;
  a.batch.assign(q.shape.begin(), q.shape.begin() + long(nb));
  a.heads_q = q.shape[nb];
  a.L = q.shape[nb + 1];
  a.D = q.shape[nb + 2];
  a.heads_kv = k.shape[nb];
  a.S = k.shape[nb + 1];
  require(k.shape == v.shape, "k and v must have one shape");
  require(std::equal(a.batch.begin(), a.batch.end(), k.shape.begin()) && k.shape[nb + 2] == a.D,
          "k must be N.. x H_kv x S x D with q's N.. and D");
  require(a.heads_kv > 0 && a.heads_q % a.heads_kv == 0, "H_q must be a multiple of H_kv");
  require(out.shape == q.shape && is_float(out.dt), "out must be a float N.. x H_q x L x D");
  int64_t expect = 1;
  for (int d = nd - 1; d >= 0; --d) {
    require(out.shape[size_t(d)] == 1 || out.strides[size_t(d)] == expect, "out must be contiguous");
    expect *= out.shape[size_t(d)];
  }
  a.q = operand(q, nb);
  a.k = operand(k, nb);
  a.v = operand(v, nb);
  if (in.size() == 4) {
    const ArrayArg &m = in[3];
    require(m.shape[nb] == a.heads_q && m.shape[nb + 1] == a.L && m.shape[nb + 2] == a.S &&
                std::equal(a.batch.begin(), a.batch.end(), m.shape.begin()),
            "mask must be broadcast to N.. x H_q x L x S");
    a.has_mask = true;
    a.mask = operand(m, nb);
  }
  a.scale = float(info[2].As<Napi::Number>().DoubleValue());
  a.causal = info[3].ToBoolean().Value();
  a.out = out.begin();
  a.out_dt = out.dt;
  a.portable = info[4].ToBoolean().Value();
  flash_attention(a);
}

}  // namespace

Napi::Value FlashAttention(const Napi::CallbackInfo &info) {
  return guard(info.Env(), [&] { run(info); });
}

}  // namespace tl
