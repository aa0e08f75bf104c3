// flash_attention: softmax(q k^T * scale + mask) v without materialising the L x S scores
// (week 2, day 4, task 1; book: week2-04-flash-attention.md). The arguments, the strided
// layout and what a row that sees no key gives are described in flash_attention.h (in
// tiny-llm-ext-ref/native/bindings);
// tiny-llm/dtype.h (load_f32 reads a strided row of any float dtype as float32,
// store_f32 writes one), tiny-llm/thread_pool.h (parallel_for) and tiny-llm/simd.h are
// there to use.
//
// A plan: for each (batch, query head h, query row i), split across threads with
// parallel_for, read the kv head h / (H_q / H_kv) in place and walk its keys in tiles
// of, say, 64. Keep a running max m, a running sum l and an accumulator acc[D] for the
// row. For each tile: scores s_j = q . k_j * scale (+ mask), -inf for keys past
// position S - L + i when causal (and skip tiles wholly past it); m' = max(m, max_j s_j);
// rescale l and acc by e^(m - m'); add p_j = e^(s_j - m') to l and p_j * v_j to acc.
// At the end out = acc / l (zeros when l is 0). Then make it fast: several query rows
// (the heads that share a kv head) per tile, and for decode (L = 1) split the keys
// across threads and combine the partial (m, l, acc) of each part.
#include "flash_attention.h"
#include "tiny-llm/extension.h"

namespace tl {

void flash_attention(const FlashAttentionArgs &a) {
  throw JsError("NotImplementedError",
                "flash_attention is not implemented yet (week_2_day_4_task_1; book: week2-04-flash-attention.md)");
}

}  // namespace tl
