// quantized_matmul: y = x @ W.T, reading W packed (week 2, day 2, task 1; book:
// week2-02-quantized-matmul.md). The arguments and the layout are described in
// quantized_matmul.h (in tiny-llm-ext-ref/native/bindings); tiny-llm/thread_pool.h
// (parallel_for), tiny-llm/dtype.h and tiny-llm/simd.h (load1<F16>(...) reads a float16
// scale as float) are there to use.
//
// A plan: for each output feature o (split across threads with parallel_for) and each
// group g of its inputs, sum x[k] * code[k] over the group, then add
// scale * that sum + bias * sum(x over the group) to y[m][o].
#include "quantized_matmul.h"
#include "tiny-llm/extension.h"

namespace tl {

void quantized_matmul(const QuantizedMatmulArgs &a) {
  throw JsError("NotImplementedError",
                "quantized_matmul is not implemented yet (week_2_day_2_task_1; book: week2-02-quantized-matmul.md)");
}

}  // namespace tl
