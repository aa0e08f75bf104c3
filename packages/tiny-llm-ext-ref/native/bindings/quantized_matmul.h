// Quantized matmul over MLX's affine layout, as plain C++ (the N-API entry that
// fills these arguments is quantized_matmul.cc).
//
// A weight matrix W (O x K) is stored as codes: each uint32 word holds 32 / bits codes,
// the lowest bits first along the input axis (code k of row o is bits
// (k % (32/bits)) * bits .. of word k / (32/bits)). Every group of group_size inputs of
// a row shares a scale and a bias: W[o, k] = code * scale[o, k / group_size] + bias[o, k / group_size].
#pragma once
#include <cstdint>

namespace tl {

struct QuantizedMatmulArgs {
  int64_t M, K, O;
  // x: M x K float32, row m at x + m * ldx.
  const float *x;
  int64_t ldx;
  // w: O x (K * bits / 32) uint32 words, row o at w + o * ldw.
  const uint32_t *w;
  int64_t ldw;
  // scales, biases: O x (K / group_size) of dtype sdt (F32, F16 or BF16), row o at
  // element o * lds (scales) and o * ldb (biases).
  const void *scales;
  const void *biases;
  int sdt;
  int64_t lds, ldb;
  int group_size;  // 32, 64 or 128; divides K
  int bits;        // 4 or 8
  // y: M x O float32, row m at y + m * ldy.
  float *y;
  int64_t ldy;
  // TINY_LLM_KERNELS=portable: take the portable (not SIMD-specialised) code paths.
  bool portable;
  // Int8 activations (int8_activations.h), or null: then x is already the int8 round trip
  // x̂, and these give it exactly, x̂[m, k] = xq[m * K + k] * xq_scale[m * (K / group_size) + k / group_size].
  // A kernel may ignore them (x holds the same values); the x86 decode kernel multiplies
  // the int8 codes directly, a third of the work of its exact float32 path.
  const int8_t *xq;
  const float *xq_scale;
};

// y = x @ W.T
void quantized_matmul(const QuantizedMatmulArgs &a);

}  // namespace tl
