// quantized_matmul: the decode kernel for a few rows of x, the batch kernel for a batch's
// decode step, the prefill kernel for more.
#include "qmm.h"
#include "quantized_matmul.h"
#include "tiny-llm/dtype.h"
#include "tiny-llm/next_weights.h"

namespace tl {

// Up to this many rows (a decode step of a batch of requests, week 2 day 6) the batch
// kernel beats the prefill kernel, whose packing (dequantizing each weight, then
// transposing it into panels) costs as much as the arithmetic until M is large.
constexpr int64_t kBatchMaxM = 32;

void quantized_matmul(const QuantizedMatmulArgs &a) {
  if (a.M <= kDecodeMaxM || a.K == 0) {
    qmm_decode(a);
  } else if (qmm_int8(a)) {
  } else if (a.M <= kBatchMaxM) {
    qmm_batch(a);
  } else {
    qmm_prefill(a);
  }
  // The packed weights as this call read them: its rows of codes, scales and biases.
  const int64_t e = itemsize(a.sdt), G = a.K / a.group_size, rows = a.O - 1;
  const ByteSpan read[] = {{a.w, (rows * a.ldw + a.K * a.bits / 32) * 4}, {a.scales, (rows * a.lds + G) * e}, {a.biases, (rows * a.ldb + G) * e}};
  thread_local NextWeights next;
  next.read(read, 3);
}

}  // namespace tl
