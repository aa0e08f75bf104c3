// Flash attention on the CPU: plain C++ (the N-API entry is flash_attention_napi.cc).
//
//   out[n.., h, i, :] = sum_j softmax_j(q[n.., h, i, :] . k[n.., h/G, j, :] * scale
//                                       + mask[n.., h, i, j]) * v[n.., h/G, j, :]
//
// for queries N.. x H_q x L x D and keys, values N.. x H_kv x S x D, where the G = H_q / H_kv
// query heads of a group share one kv head (K and V are read in place, never repeated).
// Keys are visited in tiles with an online softmax (a running max and sum per query row,
// the accumulator rescaled when the max grows), so no L x S matrix is ever materialised.
// Inputs are strided views of float32, float16 or bfloat16, converted to float32 as tiles
// are loaded (a bf16 KV cache is read at 2 bytes an element); all arithmetic is float32.
#pragma once
#include <cstdint>
#include <vector>

namespace tl {

// A strided operand: element [n.., h, row, col] is at
//   data[off + sum_k n_k * batch[k] + h * head + row * row_stride + col * col_stride]
// (strides in elements; 0 where a dimension is broadcast), of dtype dt (F32, F16 or BF16).
struct AttentionOperand {
  const void *data = nullptr;
  int dt = 0;
  int64_t off = 0;
  std::vector<int64_t> batch;  // one stride per dimension of N..
  int64_t head = 0, row_stride = 0, col_stride = 0;
};

struct FlashAttentionArgs {
  std::vector<int64_t> batch;  // N..
  int64_t heads_q = 0, heads_kv = 0, L = 0, S = 0, D = 0;
  float scale = 1.0f;
  // Bottom-right aligned causal mask, computed from positions: query i sits at position
  // S - L + i and sees the keys j <= S - L + i. Key tiles past a query tile are skipped.
  bool causal = false;
  AttentionOperand q;  // N.. x H_q x L x D (row = L, col = D)
  AttentionOperand k;  // N.. x H_kv x S x D
  AttentionOperand v;  // N.. x H_kv x S x D
  bool has_mask = false;
  AttentionOperand mask;  // additive, N.. x H_q x L x S (row = L, col = S); -inf hides a key
  void *out = nullptr;    // N.. x H_q x L x D, contiguous
  int out_dt = 0;
  // Plain loops instead of the register-tiled products (TINY_LLM_KERNELS=portable).
  bool portable = false;
};

// Computes args.out. A query row that sees no key (every key masked with -inf, or a causal
// position before the first key when L > S) gives zeros, as PyTorch's
// scaled_dot_product_attention does since 2.5 (its _safe_softmax), not NaN: with
// left-padded batches a NaN row would poison the next layer's keys and values.
void flash_attention(const FlashAttentionArgs &args);

}  // namespace tl
