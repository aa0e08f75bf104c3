// quantized_matmul: the decode kernel for a few rows of x, the prefill kernel for more.
#include <algorithm>

#include "qmm.h"
#include "quantized_matmul.h"

namespace tl {

// Up to this many rows (a decode step of a batch of requests, week 2 day 6), the decode
// kernel runs kDecodeMaxM rows at a time: it reads the weights once per group of rows,
// which costs less than the prefill kernel's dequantization of every weight until about
// 16 rows (Qwen2-0.5B's matrices, 4-bit, on an AVX2 EPYC: 8 rows 0.55-0.7x its time).
constexpr int64_t kDecodeGroupsMaxM = 12;

void quantized_matmul(const QuantizedMatmulArgs &a) {
  if (a.M <= kDecodeMaxM || a.K == 0) {
    qmm_decode(a);
  } else if (a.M <= kDecodeGroupsMaxM) {
    for (int64_t m = 0; m < a.M; m += kDecodeMaxM) {
      QuantizedMatmulArgs rows = a;
      rows.M = std::min(kDecodeMaxM, a.M - m);
      rows.x = a.x + m * a.ldx;
      rows.y = a.y + m * a.ldy;
      if (a.xq != nullptr) rows.xq = a.xq + m * a.K, rows.xq_scale = a.xq_scale + m * (a.K / a.group_size);
      qmm_decode(rows);
    }
  } else {
    qmm_prefill(a);
  }
}

}  // namespace tl
