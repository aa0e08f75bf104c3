// quantized_matmul: the decode kernel for a few rows of x, the prefill kernel for more.
#include <algorithm>

#include "qmm.h"
#include "quantized_matmul.h"

namespace tl {

void quantized_matmul(const QuantizedMatmulArgs &a) {
  if (a.M <= kDecodeMaxM || a.K == 0) {
    qmm_decode(a);
  } else {
    qmm_prefill(a);
  }
}

}  // namespace tl
